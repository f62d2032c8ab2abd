package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.gateway.SimGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS trust from the sip.tls.* PEM files, and a gateway the room must not trust. */
class TlsTrustTest {

    private static final SimPki PKI = new SimPki("trusted");
    private final VirtualScheduler clock = new VirtualScheduler();
    private SimGateway gateway;
    private SipJoinPath room;

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        if (room != null) {
            room.stop();
        }
        if (gateway != null) {
            gateway.stop();
        }
    }

    private Call dial(SSLContext roomTls, SimPki gatewayPki) throws Exception {
        gateway = SimGateway.builder().sslContext(gatewayPki.sslContext(gatewayPki.issueServer("gw")))
                .meetingIds("123456789").build().start();
        room = SipJoinPath.builder(SipFixtures.settings(SipTransport.TLS).build(), clock).codec(new SimCodec(clock))
                .resolver(SipFixtures.resolverFor(gateway)).sslContext(roomTls).build();
        room.start();
        return room.dial(JoinTarget.sip(gateway.directUri("123456789"), "sip", "test"));
    }

    @Test
    void joinsWithTrustAndClientCertificateFromPemFiles() throws Exception {
        SimPki.Issued id = PKI.issueServer("room");
        Path ca = PKI.writeCaPem(dir.resolve("ca.pem"));
        Path cert = SimPki.writePem(dir.resolve("room.pem"), id.certificatePem(), false);
        Path key = SimPki.writePem(dir.resolve("room.key"), id.keyPem(), true);
        SSLContext ctx = TlsFiles.sslContext(Optional.of(ca), Optional.of(cert), Optional.of(key));
        Call call = dial(ctx, PKI);
        Await.until("connected", clock, () -> call.state() == CallState.CONNECTED, () -> call.end().toString());

        // ... with the TLS of TlsNetworkLayer only: jain-sip's own key and trust managers (the JDK's trust store,
        // loaded at every stack's creation by its default provider) are never made
        java.lang.reflect.Field ua = SipJoinPath.class.getDeclaredField("ua");
        ua.setAccessible(true);
        java.lang.reflect.Field provider = gov.nist.javax.sip.stack.SIPTransactionStack.class
                .getDeclaredField("securityManagerProvider");
        provider.setAccessible(true);
        Object p = provider.get(((UserAgent) ua.get(room)).stack);
        assertEquals(io.roomwire.sip.ua.internal.TlsNetworkLayer.NoStackKeys.class, p.getClass());
        assertThrows(IllegalStateException.class, () -> ((gov.nist.core.net.SecurityManagerProvider) p).getTrustManagers(true));
    }

    @Test
    void refusesAGatewayWhoseCertificateItDoesNotTrust() throws Exception {
        Call call = dial(PKI.sslContext(null), new SimPki("stranger"));
        Await.until("ended", clock, () -> call.state() == CallState.ENDED);
        assertEquals(CallFailures.UNREACHABLE, call.end().orElseThrow().message());
        assertTrue(gateway.calls().isEmpty(), "no INVITE reached the untrusted gateway");
    }

    @Test
    void unreadableFilesNameTheSettingToFix() throws Exception {
        Files.writeString(dir.resolve("bad.key"), "not a key");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TlsFiles.sslContext(Optional.of(dir.resolve("missing.pem")),
                Optional.empty(), Optional.empty())).getMessage().contains("sip.tls.trust-file"));
        SimPki.Issued id = PKI.issueServer("room");
        Path cert = SimPki.writePem(dir.resolve("c.pem"), id.certificatePem(), false);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> TlsFiles.sslContext(Optional.empty(),
                Optional.of(cert), Optional.of(dir.resolve("bad.key")))).getMessage().contains("sip.tls.key-file"));
    }
}
