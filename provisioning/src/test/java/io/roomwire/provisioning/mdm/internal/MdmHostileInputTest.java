package io.roomwire.provisioning.mdm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.provisioning.mdm.MdmException;
import io.roomwire.provisioning.mdm.syncml.SyncMl;
import io.roomwire.provisioning.mdm.syncml.SyncMlException;
import io.roomwire.sim.cloud.hostile.HostileHttp;
import io.roomwire.sim.cloud.hostile.HostileHttp.Answer;
import io.roomwire.sim.cloud.hostile.HostileInputs;
import io.roomwire.sim.cloud.hostile.HostileRun;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;

/**
 * The MDM server's bodies as an attacker (or a broken proxy) would send them: SyncML and SOAP
 * that is malformed, huge, endless, or carries DTDs, external entities and entity bombs. Every
 * input must end in an {@link MdmException} or {@link SyncMlException}: nothing else escapes.
 */
class MdmHostileInputTest {

    private static final long SEED = 0x5EC12L;
    private static final String SYNCML = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto>"
            + "<SessionID>1A</SessionID><MsgID>3</MsgID><Target><LocURI>DEV1</LocURI></Target><Source><LocURI>https://mdm/x</LocURI>"
            + "</Source></SyncHdr><SyncBody><Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd>"
            + "<Data>200</Data></Status><Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/FwV</LocURI></Target></Item></Get>"
            + "<Replace><CmdID>4</CmdID><Item><Target><LocURI>./A</LocURI></Target><Meta><Format xmlns=\"syncml:metinf\">int"
            + "</Format></Meta><Data>5</Data></Item></Replace><Final/></SyncBody></SyncML>";
    private static final String SOAP = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
            + "xmlns:a=\"http://www.w3.org/2005/08/addressing\"><s:Header><a:Action s:mustUnderstand=\"1\">"
            + "http://schemas.microsoft.com/windows/management/2012/01/enrollment/IDiscoveryService/DiscoverResponse</a:Action>"
            + "</s:Header><s:Body><DiscoverResponse xmlns=\"http://schemas.microsoft.com/windows/management/2012/01/enrollment\">"
            + "<DiscoverResult><AuthPolicy>OnPremise</AuthPolicy><EnrollmentVersion>4.0</EnrollmentVersion>"
            + "<EnrollmentPolicyServiceUrl>https://mdm/policy</EnrollmentPolicyServiceUrl><EnrollmentServiceUrl>https://mdm/enroll"
            + "</EnrollmentServiceUrl></DiscoverResult></DiscoverResponse></s:Body></s:Envelope>";

    private final MdmHttp http = new MdmHttp(defaultTls(), Duration.ofSeconds(5), Clock.systemUTC());

    private static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyHostileBodyEndsInAnMdmErrorOverHttp() throws Exception {
        HostileInputs gen = new HostileInputs(SEED);
        List<byte[]> syncml = gen.xml(SYNCML, 400);
        List<byte[]> soap = gen.xml(SOAP, 400);
        List<byte[]> noise = gen.binary(50, 4096);
        int[] statuses = {200, 200, 500, 400, 429, 503};
        try (HostileHttp server = new HostileHttp()) {
            URI uri = server.uri().resolve("/ManagementServer/MDM.svc");
            http.post(uri, SyncMl.CONTENT_TYPE, new byte[0], "warm-up");
            HostileRun run = HostileRun.start("MDM SyncML/SOAP bodies", SEED);
            for (List<byte[]> set : List.of(syncml, soap, noise)) {
                for (byte[] body : set) {
                    int status = statuses[Math.floorMod(java.util.Arrays.hashCode(body), statuses.length)];
                    run.attempt(i -> {
                        server.answer(Answer.of(status, SyncMl.CONTENT_TYPE, body));
                        MdmHttp.Response r = http.post(uri, SyncMl.CONTENT_TYPE, "<SyncML/>".getBytes(StandardCharsets.UTF_8), "MDM check-in");
                        if (set == soap) {
                            Soap.body(r, "MDM discovery");
                        } else {
                            SyncMl.parse(r.body());
                        }
                    }, t -> t instanceof MdmException || t instanceof SyncMlException);
                }
            }
            run.attempt(i -> {
                server.answer(Answer.endless(200, SyncMl.CONTENT_TYPE, "<a>".repeat(3000).getBytes(StandardCharsets.UTF_8)));
                http.post(uri, SyncMl.CONTENT_TYPE, new byte[0], "MDM check-in");
            }, t -> t instanceof MdmException);
            List<String> leaked = run.leakedThreads("hostile-http", "HttpClient-");
            System.out.println(run.summary(leaked));
            assertEquals(List.of(), run.crashes(), run.summary(leaked));
            assertEquals(List.of(), leaked, "threads left behind");
            assertTrue(run.inputs() > 800, run.summary(leaked));
            assertTrue(run.elapsed().compareTo(Duration.ofSeconds(30)) < 0, run.summary(leaked));
        }
    }

    @Test
    void anEndlessBodyIsCutOffAtTheLimitWithAClearError() throws Exception {
        try (HostileHttp server = new HostileHttp()) {
            server.answer(Answer.endless(200, SyncMl.CONTENT_TYPE, new byte[16 * 1024]));
            MdmException e = assertThrows(MdmException.class,
                    () -> http.post(server.uri().resolve("/mdm"), SyncMl.CONTENT_TYPE, new byte[0], "MDM check-in"));
            assertEquals(MdmException.Kind.MESSAGE_FORMAT, e.kind());
            assertTrue(e.getMessage().contains(Xml.MAX_BYTES + "-byte limit"), e.getMessage());
            assertTrue(server.bytesSent() < HostileHttp.ENDLESS_CAP, "stopped reading early: " + server.bytesSent());
        }
    }

    @Test
    void anAnnouncedOversizedBodyIsRefusedBeforeReadingIt() throws Exception {
        try (HostileHttp server = new HostileHttp()) {
            server.answer(Answer.of(200, SyncMl.CONTENT_TYPE, new byte[Xml.MAX_BYTES + 1]));
            MdmException e = assertThrows(MdmException.class,
                    () -> http.get(server.uri().resolve("/mdm"), "MDM discovery"));
            assertTrue(e.getMessage().contains("Content-Length " + (Xml.MAX_BYTES + 1)), e.getMessage());
        }
    }

    @Test
    void plainHttpOnlyToLiteralLoopbackAddresses() {
        assertThrows(MdmException.class, () -> MdmHttp.check(URI.create("http://127.attacker.example/mdm"), "MDM"));
        assertEquals(URI.create("http://127.0.0.1:1/mdm"), assertDoesNotThrowCheck("http://127.0.0.1:1/mdm"));
    }

    private static URI assertDoesNotThrowCheck(String url) {
        try {
            return MdmHttp.check(URI.create(url), "MDM");
        } catch (MdmException e) {
            throw new AssertionError(e);
        }
    }
}
