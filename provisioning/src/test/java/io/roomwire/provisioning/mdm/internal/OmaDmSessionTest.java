package io.roomwire.provisioning.mdm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.roomwire.hal.sim.SimDeviceInfo;
import io.roomwire.provisioning.mdm.ComplianceReport;
import io.roomwire.provisioning.mdm.MdmException;
import io.roomwire.provisioning.mdm.syncml.SyncCommand;
import io.roomwire.provisioning.mdm.syncml.SyncMessage;
import io.roomwire.provisioning.mdm.syncml.SyncMl;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives one OMA-DM session message by message against a scripted server on loopback. */
class OmaDmSessionTest {

    private HttpServer server;
    private final Deque<String> script = new ArrayDeque<>();
    private final List<SyncMessage> received = new CopyOnWriteArrayList<>();
    private final PolicyState policy = new PolicyState();
    private final SimDeviceInfo device = new SimDeviceInfo("S1", "Bar", "1.2", "02:00:5E:00:00:01", true, false);
    private OmaDmSession session;

    @BeforeEach
    void setUp() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/dm", ex -> {
            try {
                received.add(SyncMl.parse(ex.getRequestBody().readAllBytes()));
            } catch (Exception e) {
                received.add(null);
            }
            String body = script.isEmpty() ? "" : script.poll();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length == 0 ? -1 : b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        DmTree tree = DeviceTree.build(device, "DEV1", "Prov", "Room 1", policy, Optional::empty, Clock.systemUTC(),
                new DeviceTree.Hooks() {
                    @Override
                    public ComplianceReport evaluate() {
                        return ComplianceReport.of(List.of(), java.time.Instant.EPOCH);
                    }

                    @Override
                    public void unenrollRequested() {
                    }
                });
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/dm");
        session = new OmaDmSession(new MdmHttp(SSLContext.getDefault(), Duration.ofSeconds(5), Clock.systemUTC()), uri, "DEV1",
                DeviceTree.devInfo(device, "DEV1"), tree, policy, null);
    }

    @AfterEach
    void tearDown() {
        server.stop(0);
    }

    private static String msg(String session, int msgId, String body, boolean fin) {
        return "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>" + session
                + "</SessionID><MsgID>" + msgId + "</MsgID><Target><LocURI>DEV1</LocURI></Target><Source><LocURI>srv</LocURI>"
                + "</Source></SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>" + msgId + "</MsgRef><CmdRef>0</CmdRef>"
                + "<Cmd>SyncHdr</Cmd><Data>200</Data></Status>" + body + (fin ? "<Final/>" : "") + "</SyncBody></SyncML>";
    }

    private static String replace(int id, String uri, String data) {
        return "<Replace><CmdID>" + id + "</CmdID><Item><Target><LocURI>" + uri + "</LocURI></Target><Data>" + data
                + "</Data></Item></Replace>";
    }

    private static List<String> statuses(SyncMessage m) {
        return m.commands().stream().filter(SyncCommand::isStatus)
                .map(c -> c.refCmd() + ":" + c.cmdRef() + ":" + c.statusCode()).toList();
    }

    @Test
    void failedAtomicRollsBackAndAnswers507With216ForTheUndoneCommands() throws Exception {
        script.add(msg("S1", 1, "<Atomic><CmdID>2</CmdID>" + replace(3, "./Vendor/Roomwire/Policy/MinimumFirmware", "1.4")
                + replace(4, "./DevDetail/FwV", "9") + "</Atomic>", true));
        script.add(msg("S1", 2, "", true));

        OmaDmSession.Outcome o = session.run("S1", false);

        assertEquals(2, o.roundTrips());
        assertEquals(List.of("SyncHdr:0:200", "Atomic:2:507", "Replace:3:216", "Replace:4:405"), statuses(received.get(1)));
        assertEquals("", policy.get("MinimumFirmware"));
        assertEquals(2, received.get(1).header().msgId());
    }

    @Test
    void sequenceRunsInOrderAndGetWithSeveralItemsAnswersEachItem() throws Exception {
        script.add(msg("S2", 1, "<Sequence><CmdID>2</CmdID>" + replace(3, "./Vendor/Roomwire/Policy/MinimumFirmware", "1.4")
                + "<Get><CmdID>4</CmdID><Item><Target><LocURI>./Vendor/Roomwire/Policy/MinimumFirmware</LocURI></Target></Item>"
                + "<Item><Target><LocURI>./Nope</LocURI></Target></Item></Get></Sequence>", true));
        script.add(msg("S2", 2, "", true));

        session.run("S2", false);

        SyncMessage reply = received.get(1);
        assertEquals(List.of("SyncHdr:0:200", "Sequence:2:200", "Replace:3:200", "Get:4:200", "Get:4:404"), statuses(reply));
        SyncCommand results = reply.commands().stream().filter(c -> c.name().equals("Results")).findFirst().orElseThrow();
        assertEquals(4, results.cmdRef());
        assertEquals(1, results.msgRef());
        assertEquals(Optional.of("1.4"), results.items().get(0).data());
        List<Integer> ids = reply.commands().stream().map(SyncCommand::cmdId).toList();
        assertEquals(ids.stream().distinct().count(), ids.size(), "CmdIDs unique within a message");
    }

    @Test
    void serverUnenrollmentAlertIsRecognised() throws Exception {
        script.add(msg("S3", 1, "<Alert><CmdID>2</CmdID><Data>1226</Data><Item><Meta><Type xmlns=\"syncml:metinf\">"
                + "com.microsoft:mdm.unenrollment</Type></Meta><Data>1</Data></Item></Alert>", true));
        script.add(msg("S3", 2, "", true));

        session.run("S3", false);

        assertTrue(session.serverUnenrolled());
    }

    @Test
    void firstMessageCarriesAlert1201AndDevInfo() throws Exception {
        script.add(msg("S4", 1, "", true));

        OmaDmSession.Outcome o = session.run("S4", false);

        assertEquals(1, o.roundTrips());
        SyncMessage first = received.get(0);
        assertEquals(Optional.of("1201"), first.commands().get(0).data());
        assertEquals(List.of("./DevInfo/DevId", "./DevInfo/Man", "./DevInfo/Mod", "./DevInfo/DmV", "./DevInfo/Lang"),
                first.commands().get(1).items().stream().map(i -> i.source()).toList());
        assertTrue(first.fin());
        assertFalse(session.serverUnenrolled());
    }

    @Test
    void answerForAnotherSessionAbortsWithAClearMessage() {
        script.add(msg("OTHER", 1, "", true));
        MdmException e = assertThrows(MdmException.class, () -> session.run("S5", false));
        assertEquals(MdmException.Kind.MESSAGE_FORMAT, e.kind());
        assertTrue(e.getMessage().contains("session 'OTHER'"), e.getMessage());
    }

    @Test
    void serverThatNeverStopsIsCutOff() {
        for (int i = 1; i <= 60; i++) {
            script.add(msg("S6", i, "<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevInfo/DevId</LocURI></Target></Item></Get>", true));
        }
        MdmException e = assertThrows(MdmException.class, () -> session.run("S6", false));
        assertTrue(e.getMessage().contains("more than 50 messages"), e.getMessage());
    }
}
