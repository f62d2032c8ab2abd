package io.roomwire.agent.mgmt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.mgmt.ctl.MgmtCtl;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.SimPki;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code roomwire ctl} against a device through Mosquitto with mutual TLS. */
class MgmtCtlTest {

    @TempDir
    static Path dir;
    static MosquittoBroker broker;
    static SystemScheduler net;
    static MgmtFixture.Device device;
    static List<String> common;

    @BeforeAll
    static void start() throws Exception {
        SimPki pki = new SimPki("ctl");
        broker = new MosquittoBroker(dir.resolve("broker"), pki).start();
        net = new SystemScheduler(2);
        KeyPair signing = SimPki.ecKeyPair();
        SimPki.writePem(dir.resolve("op-sign.key"), TestPem.key(signing.getPrivate()), true);
        SimPki.Issued op = pki.issueClient("operator", Duration.ofDays(1));
        SimPki.writePem(dir.resolve("op.pem"), op.certificatePem(), false);
        SimPki.writePem(dir.resolve("op.key"), TestPem.key(op), true);
        // the device's clock is the real one here: the CLI signs with the system clock
        device = new MgmtFixture.Device("room-7", broker, pki, pki.issueClient("room-7", Duration.ofDays(1)), net,
                new VirtualScheduler(Instant.now()), dir.resolve("state"), "mqtt.command-rate = 100\n",
                OperatorSignatures.parseKeys(SimPki.pem(signing.getPublic()), "op-sign.pub"),
                n -> List.of("first line", "second line"), Duration.ofMinutes(5)).start();
        common = List.of("--broker", broker.url(), "--cafile", broker.caFile().toString(),
                "--cert", dir.resolve("op.pem").toString(), "--key", dir.resolve("op.key").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        device.close();
        broker.close();
        net.close();
    }

    record Run(int code, String out, String err) { }

    static Run ctl(String... words) {
        List<String> args = new ArrayList<>(common);
        args.addAll(List.of(words));
        return ctlRaw(args);
    }

    static Run ctlRaw(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new MgmtCtl().run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void statusGetPrintsTheStatusAndExitsZero() {
        Run r = ctl("--device", "room-7", "status.get");
        assertEquals(0, r.code, r::toString);
        assertTrue(r.out.contains("\"online\": true"), r.out);
        Run j = ctl("--device", "room-7", "status.get", "--json");
        assertTrue(j.out.startsWith("{\"ok\":true"), j.out);
    }

    @Test
    void signedStateChangesWorkAndUnsignedOnesExitNonZeroWithTheReason() {
        Run unsigned = ctl("--device", "room-7", "logs.get", "lines=2");
        assertEquals(1, unsigned.code);
        assertTrue(unsigned.err.contains("forbidden"), unsigned.err);
        Run logs = ctl("--device", "room-7", "--sign-key", dir.resolve("op-sign.key").toString(), "logs.get", "lines=2");
        assertEquals(0, logs.code, logs::toString);
        assertEquals("first line\nsecond line\n", logs.out);
        Run set = ctl("--device", "room-7", "--sign-key", dir.resolve("op-sign.key").toString(), "config.set",
                "mqtt.telemetry-interval=45s");
        assertEquals(0, set.code, set::toString);
        assertTrue(set.out.contains("mqtt.telemetry-interval"));
        Run bad = ctl("--device", "room-7", "--sign-key", dir.resolve("op-sign.key").toString(), "config.set",
                "mqtt.telemetry-interval=often");
        assertEquals(1, bad.code);
        assertTrue(bad.err.contains("bad_request") && bad.err.contains("mqtt.telemetry-interval"), bad.err);
    }

    @Test
    void fleetListsRetainedStatusesAsATable() {
        // --wait bounds the wait; fleet returns once the broker echoed a probe sent after the subscription
        Run r = ctl("--wait", "3s", "fleet");
        assertEquals(0, r.code, r::toString);
        assertTrue(r.out.startsWith("DEVICE"), r.out);
        String row = r.out.lines().filter(l -> l.startsWith("room-7")).findFirst().orElseThrow(() -> new AssertionError(r.out));
        assertTrue(row.contains("healthy") && row.contains("1.2.3") && row.contains("idle") && row.contains("compliant")
                && row.contains("Weekly sync"), row);
    }

    @Test
    void badUsageExitsTwoAndAnUnreachableBrokerExitsThree() {
        assertEquals(2, ctlRaw(List.of("status.get")).code());
        assertEquals(2, ctl("status.get").code(), "no --device");
        assertEquals(2, ctl("--device", "room-7", "logs.get", "lines").code());
        Run r = ctlRaw(List.of("--broker", "ssl://127.0.0.1:" + MosquittoBroker.freePort(), "--cafile",
                broker.caFile().toString(), "--timeout", "1s", "--device", "room-7", "status.get"));
        assertEquals(3, r.code());
        assertTrue(r.err().contains("cannot connect"), r.err());
        assertEquals(3, ctl("--timeout", "1s", "--device", "room-404", "status.get").code(), "no such device");
    }
}
