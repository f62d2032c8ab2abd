package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.SipTransport;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code roomwire dial} against the simulated gateway, in real time (it is a command-line tool). */
class DialCommandTest {

    private static final SimPki PKI = new SimPki("dial");
    private final SystemScheduler scheduler = new SystemScheduler(2);
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private SimGateway gateway;

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.stop();
        }
        scheduler.close();
    }

    private DialCommand command(SimGateway.Builder g) throws Exception {
        gateway = g.sslContext(PKI.sslContext(PKI.issueServer("gw"))).meetingIds("123456789").build().start();
        // Real time here: the digits start 300 ms after media (default 2 s), well inside each test's call.
        return new DialCommand(SipFixtures.settings(SipTransport.TLS).dtmfDelay(Duration.ofMillis(300)).build(),
                scheduler, new SimCodec(scheduler),
                Optional.of(PKI.sslContext(PKI.issueServer("room"))), SipFixtures.resolverFor(gateway));
    }

    @Test
    void ivrDialPrintsConnectedMediaAndWhoHungUpAsJson() throws Exception {
        DialCommand dial = command(SimGateway.builder());
        int code = dial.run(gateway.ivrUri(), Optional.of("123456789#"), Duration.ofMillis(3500), true, out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(DialCommand.CONNECTED, code, text);
        JsonObject j = JsonParser.parseString(text.trim()).getAsJsonObject();
        assertEquals("connected", j.get("result").getAsString());
        assertEquals("local", j.get("endedBy").getAsString());
        JsonObject audio = j.getAsJsonObject("media").getAsJsonObject("audio");
        assertTrue(audio.get("packetsReceived").getAsLong() > 10, text);
        assertTrue(audio.get("srtp").getAsBoolean());
        assertEquals("123456789#", gateway.lastCall().orElseThrow().digits());
    }

    @Test
    void failedDialPrintsTheRoomMessageAndExitsOne() throws Exception {
        DialCommand dial = command(SimGateway.builder().busy(true));
        int code = dial.run(gateway.directUri("123456789"), Optional.empty(), Duration.ofSeconds(1), false, out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(DialCommand.FAILED, code, text);
        assertTrue(text.contains("Not connected: Busy (the far end answered 486)."), text);
        assertFalse(text.contains("Hung up by"), "said once: " + text);
    }

    @Test
    void busyAsJsonCarriesTheStatusTheGatewaySent() throws Exception {
        DialCommand dial = command(SimGateway.builder().busy(true));
        int code = dial.run(gateway.directUri("123456789"), Optional.empty(), Duration.ofSeconds(1), true, out);
        JsonObject j = JsonParser.parseString(bytes.toString(StandardCharsets.UTF_8).trim()).getAsJsonObject();
        assertEquals(DialCommand.FAILED, code);
        assertEquals("failed", j.get("result").getAsString());
        assertEquals(486, j.get("status").getAsInt());
        assertFalse(j.has("failure"), j.toString());
    }

    @Test
    void aCallTheFarEndEndsBeforeTheDurationExitsOneWithTheReason() throws Exception {
        DialCommand dial = command(SimGateway.builder());
        // An unknown meeting id: the gateway's IVR hangs up with Reason: SIP;cause=404 a moment after connecting.
        int code = dial.run(gateway.ivrUri(), Optional.of("999#"), Duration.ofSeconds(30), true, out);
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(DialCommand.FAILED, code, text);
        JsonObject j = JsonParser.parseString(text.trim()).getAsJsonObject();
        assertEquals("ended-early", j.get("result").getAsString());
        assertEquals("remote", j.get("endedBy").getAsString());
        assertEquals("The gateway did not accept the meeting ID", j.get("message").getAsString());
        assertTrue(j.get("heldMillis").getAsLong() < 30_000, text);
    }

    @Test
    void badArgumentsExitTwoWithUsage() throws Exception {
        DialCommand dial = command(SimGateway.builder());
        assertEquals(DialCommand.USAGE, dial.run("sip:x@y", Optional.of("12x"), Duration.ofSeconds(1), false, out));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("usage: roomwire dial"));
    }
}
