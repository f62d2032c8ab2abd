package io.roomwire.sim.cloud.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
