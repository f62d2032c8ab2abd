package io.roomwire.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tinylog.Logger;

class LogScrubberTest {

    private static final String JWT = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJ1cG4iOiJyb29tQGNvbnRvc28uY29tIn0.c2lnbmF0dXJlLWJ5dGVz";

    @Test
    void removesBearerTokensAndJwts() {
        String s = LogScrubber.scrub("GET /me Authorization: Bearer " + JWT + " -> 200");
        assertFalse(s.contains(JWT), s);
        assertTrue(s.contains("Bearer ***"), s);
        assertFalse(LogScrubber.scrub("token was " + JWT).contains("eyJ0eXAi"));
    }

    @Test
    void removesOauthFieldsInJsonAndFormEncoding() {
        String json = "{\"token_type\":\"Bearer\",\"access_token\":\"at-123\",\"refresh_token\":\"0.AAAA-rt\","
                + "\"id_token\":\"x.y.z\",\"expires_in\":3599}";
        String s = LogScrubber.scrub(json);
        assertFalse(s.contains("at-123") || s.contains("0.AAAA-rt") || s.contains("x.y.z"), s);
        assertTrue(s.contains("\"expires_in\":3599"), s);
        String form = "grant_type=refresh_token&refresh_token=0.AAAA-secret&client_id=abc";
        String f = LogScrubber.scrub(form);
        assertFalse(f.contains("0.AAAA-secret"), f);
        assertTrue(f.contains("client_id=abc"), f);
        assertFalse(LogScrubber.scrub("device_code=GAQABAAEAAAB").contains("GAQABAAEAAAB"));
    }

    @Test
    void removesPasswordsInPropertiesAndJson() {
        assertEquals("mqtt.password = ***", LogScrubber.scrub("mqtt.password = hunter2"));
        assertFalse(LogScrubber.scrub("{\"password\": \"hunter2\"}").contains("hunter2"));
        assertFalse(LogScrubber.scrub("sip.password=s3cr3t;transport=tls").contains("s3cr3t"));
    }

    @Test
    void removesPemPrivateKeysWholeEvenWhenTruncated() {
        String pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oy3Zu0hNo0ZzoAoGCCqGSM49\n-----END EC PRIVATE KEY-----";
        String s = LogScrubber.scrub("loaded key " + pem + " ok");
        assertFalse(s.contains("MHcCAQEEIBkg"), s);
        assertTrue(s.endsWith(" ok"), s);
        assertFalse(LogScrubber.scrub("-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG").contains("MIGHAgEA"));
    }

    @Test
    void removesSipDigestResponses() {
        String s = LogScrubber.scrub("Authorization: Digest username=\"room\", response=\"6629fae49393a05397450978507c4ef1\"");
        assertFalse(s.contains("6629fae4"), s);
        assertTrue(s.contains("username=\"room\""), s);
    }

    @Test
    void leavesOrdinaryTextAlone() {
        String s = "Joined meeting 123456789 via sip:123456789.contoso@m.webex.com in 840 ms";
        assertEquals(s, LogScrubber.scrub(s));
    }

    @Test
    void everyLoggedLineIsScrubbedByTheWriter() {
        Logger.info("token response {}", "{\"access_token\":\"SECRET-AT-42\"}");
        Logger.warn("refresh failed: refresh_token=SECRET-RT-42 rejected");
        List<String> lines = ScrubbingWriter.recent(50);
        assertTrue(lines.stream().anyMatch(l -> l.contains("token response")), String.join("\n", lines));
        assertTrue(lines.stream().noneMatch(l -> l.contains("SECRET-AT-42") || l.contains("SECRET-RT-42")),
                String.join("\n", lines));
    }
}
