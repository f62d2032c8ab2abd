package io.roomwire.sim.cloud.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sim.cloud.MapCloudState;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The simulated MDM on its own: wire shapes and refusals, spoken to with a plain JDK client. */
class SimMdmTest {

    private static SimPki pki;
    private static SimMdm mdm;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        pki = new SimPki("test");
        mdm = new SimMdm(new SimTokenAuthority("tid", Clock.systemUTC()), pki);
        client = HttpClient.newBuilder().sslContext(pki.sslContext(null)).build();
    }

    @AfterAll
    static void stop() {
        mdm.close();
    }

    private static HttpResponse<String> post(java.net.URI uri, String body) throws Exception {
        return client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/soap+xml; charset=utf-8")
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String envelope(String header, String body) {
        return "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header>" + header + "</s:Header><s:Body>"
                + body + "</s:Body></s:Envelope>";
    }

    @Test
    void discoveryAnswersGetAndPostWithTheServiceUrls() throws Exception {
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(mdm.discoveryUrl()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, get.statusCode());

        HttpResponse<String> r = post(mdm.discoveryUrl(), envelope("", "<Discover xmlns=\"" + SimMdm.NS_ENROLL
                + "\"><request><EmailAddress>a@b.c</EmailAddress></request></Discover>"));

        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("<AuthPolicy>Federated</AuthPolicy>"), r.body());
        assertTrue(r.body().contains(mdm.enrollmentUrl().toString()), r.body());
    }

    @Test
    void policyWithoutATokenIsAnAuthenticationFault() throws Exception {
        HttpResponse<String> r = post(java.net.URI.create(mdm.discoveryUrl().toString().replace("Discovery", "Policy")),
                envelope("", "<GetPolicies xmlns=\"" + SimMdm.NS_XCEP + "\"/>"));
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains("s:authentication"), r.body());
    }

    @Test
    void enrollmentWithABadTokenIsRefusedAndCreatesNoDevice() throws Exception {
        String header = "<wsse:Security xmlns:wsse=\"" + SimMdm.NS_WSSE + "\"><wsse:BinarySecurityToken>"
                + java.util.Base64.getEncoder().encodeToString("not.a.jwt".getBytes()) + "</wsse:BinarySecurityToken></wsse:Security>";
        HttpResponse<String> r = post(mdm.enrollmentUrl(), envelope(header, "<wst:RequestSecurityToken xmlns:wst=\""
                + SimMdm.NS_WST + "\"><wst:RequestType>" + SimMdm.NS_WST + "/Issue</wst:RequestType>"
                + "<wsse:BinarySecurityToken xmlns:wsse=\"" + SimMdm.NS_WSSE + "\" ValueType=\"x#PKCS10\">AAAA</wsse:BinarySecurityToken>"
                + "<ac:AdditionalContext xmlns:ac=\"http://schemas.xmlsoap.org/ws/2006/12/authorization\"><ac:ContextItem Name=\"DeviceID\">"
                + "<ac:Value>D1</ac:Value></ac:ContextItem></ac:AdditionalContext></wst:RequestSecurityToken>"));
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains("s:authentication"), r.body());
        assertTrue(mdm.devices().isEmpty());
    }

    @Test
    void hostileXmlIsAMessageFormatFaultNotAnEntityExpansion() throws Exception {
        HttpResponse<String> r = post(mdm.discoveryUrl(), "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
                + "\"file:///etc/hostname\">]><x>&e;</x>");
        assertEquals(500, r.statusCode());
        assertTrue(r.body().contains("s:messageformat"), r.body());
    }

    @Test
    void faultInjectionReturnsTheStatusWithRetryAfter() throws Exception {
        mdm.failNext(SimMdm.Endpoint.DISCOVERY, 429, 1, Optional.of(Duration.ofSeconds(7)));
        HttpResponse<String> r = post(mdm.discoveryUrl(), "<x/>");
        assertEquals(429, r.statusCode());
        assertEquals(Optional.of("7"), r.headers().firstValue("Retry-After"));
    }

    @Test
    void aRestartOnTheSameStateKeepsItsCaItsAddressesAndTheDevicesEnrolledBefore() throws Exception {
        MapCloudState state = new MapCloudState();
        SimTokenAuthority authority = new SimTokenAuthority("tid", Clock.systemUTC());
        java.security.KeyPair deviceKey = SimPki.ecKeyPair();
        byte[] csr = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=D1"), deviceKey.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                        .build(deviceKey.getPrivate())).getEncoded();
        String token = authority.sign(java.util.Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "upn", "room401@contoso.example"),
                Duration.ofMinutes(5));
        java.net.URI management;
        java.net.URI enrollment;
        java.security.cert.X509Certificate ca;
        java.security.cert.X509Certificate deviceCert;
        try (SimMdm first = new SimMdm(authority, pki, state)) {
            String header = "<wsse:Security xmlns:wsse=\"" + SimMdm.NS_WSSE + "\"><wsse:BinarySecurityToken>"
                    + java.util.Base64.getEncoder().encodeToString(token.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    + "</wsse:BinarySecurityToken></wsse:Security>";
            HttpResponse<String> r = post(first.enrollmentUrl(), envelope(header, "<wst:RequestSecurityToken xmlns:wst=\""
                    + SimMdm.NS_WST + "\"><wst:RequestType>" + SimMdm.NS_WST + "/Issue</wst:RequestType>"
                    + "<wsse:BinarySecurityToken xmlns:wsse=\"" + SimMdm.NS_WSSE + "\" ValueType=\"x#PKCS10\">"
                    + java.util.Base64.getEncoder().encodeToString(csr) + "</wsse:BinarySecurityToken>"
                    + "<ac:AdditionalContext xmlns:ac=\"http://schemas.xmlsoap.org/ws/2006/12/authorization\"><ac:ContextItem Name=\"DeviceID\">"
                    + "<ac:Value>D1</ac:Value></ac:ContextItem></ac:AdditionalContext></wst:RequestSecurityToken>"));
            assertEquals(200, r.statusCode(), r.body());
            management = first.managementUrl();
            enrollment = first.enrollmentUrl();
            ca = first.mdmCa().caCertificate();
            deviceCert = first.device("D1").orElseThrow().certificate();
        }
        assertTrue(state.secret("mdm-ca") && state.secret("mdm-device-D1"));

        try (SimMdm second = new SimMdm(authority, pki, state)) {
            assertEquals(management, second.managementUrl());
            assertEquals(enrollment, second.enrollmentUrl());
            assertEquals(ca, second.mdmCa().caCertificate());
            assertEquals("room401@contoso.example", second.device("D1").orElseThrow().upn());
            // the device's stored certificate opens the management endpoint: not the 403 of an unknown device
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("device", deviceKey.getPrivate(), new char[0], new java.security.cert.Certificate[] {deviceCert});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, new char[0]);
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(kmf.getKeyManagers(), trustingCloudCa(), null);
            HttpResponse<String> r = HttpClient.newBuilder().sslContext(tls).build().send(HttpRequest.newBuilder(management)
                    .header("Content-Type", "application/vnd.syncml.dm+xml").timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("<x/>")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, r.statusCode(), r.body());
            assertEquals("malformed SyncML", r.body());
        }
    }

    private static javax.net.ssl.TrustManager[] trustingCloudCa() throws Exception {
        java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("ca", pki.caCertificate());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        return tmf.getTrustManagers();
    }

    @Test
    void comparesVersionsNumerically() {
        assertTrue(SimMdm.compareVersions("1.10", "1.9") > 0);
        assertTrue(SimMdm.compareVersions("1.2", "1.4") < 0);
    }

    @Test
    void adminApiSetsThePolicyAndListsDevices() throws Exception {
        java.net.URI base = java.net.URI.create(mdm.discoveryUrl().toString().replace(SimMdm.DISCOVERY_PATH, "/_admin/"));
        HttpResponse<String> set = client.send(HttpRequest.newBuilder(base.resolve("policy"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("minimum_firmware=1.4&block_debug_mode=true")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, set.statusCode(), set.body());
        assertEquals(SimMdm.Policy.none().withMinimumFirmware("1.4").withBlockDebugMode(true), mdm.policy());

        HttpResponse<String> list = client.send(HttpRequest.newBuilder(base.resolve("devices")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("{\"devices\":[]}", list.body());

        HttpResponse<String> bad = client.send(HttpRequest.newBuilder(base.resolve("fail?endpoint=nowhere")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        mdm.setPolicy(SimMdm.Policy.none());
    }
}
