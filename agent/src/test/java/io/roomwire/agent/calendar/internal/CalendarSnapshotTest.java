package io.roomwire.agent.calendar.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.roomwire.core.net.JsonNestingLimit;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/** The cache's bytes: gzip'd JSON now, JSON in the clear from earlier versions, and nothing else. */
class CalendarSnapshotTest {

    private static CalendarSnapshot snapshot(int events) {
        Map<String, JsonObject> ev = new LinkedHashMap<>();
        for (int i = 0; i < events; i++) {
            ev.put("e" + i, JsonNestingLimit.parseObject("{\"id\":\"e" + i + "\",\"subject\":\"Weekly " + i
                    + "\",\"body\":{\"contentType\":\"html\",\"content\":\"<html><body><p>Join the meeting: "
                    + "<a href=\\\"https://teams.microsoft.com/l/meetup-join/19%3ameeting_" + i + "\\\">Click here to join</a>"
                    + "</p><p>Video conferencing device: 1234" + i + "@m.webex.com</p></body></html>\"}}"));
        }
        Map<String, JsonObject> masters = Map.of("m1", JsonNestingLimit.parseObject("{\"id\":\"m1\",\"subject\":\"Series\"}"));
        return new CalendarSnapshot("room@contoso.example", Instant.parse("2026-03-01T00:00:00Z"),
                Instant.parse("2026-03-09T00:00:00Z"), "https://graph.microsoft.com/v1.0/x?$deltatoken=a",
                Instant.parse("2026-03-02T10:00:00Z"), ev, masters);
    }

    private static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void theCacheIsWrittenGzippedAndReadBackWhole() {
        CalendarSnapshot s = snapshot(40);
        byte[] b = s.toBytes();
        assertEquals(0x1f, b[0] & 0xff);
        assertEquals(0x8b, b[1] & 0xff);
        CalendarSnapshot back = CalendarSnapshot.fromBytes(b);
        assertEquals(s, back);
        assertEquals("Weekly 39", back.events().get("e39").get("subject").getAsString());
    }

    @Test
    void aCacheInTheClearFromAnEarlierVersionIsStillRead() throws Exception {
        CalendarSnapshot s = snapshot(3);
        byte[] json = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(s.toBytes())).readAllBytes();
        assertEquals('{', json[0]);
        assertEquals(s, CalendarSnapshot.fromBytes(json));
    }

    @Test
    void aTruncatedOrInflatingWithoutEndCacheIsRefusedByName() throws Exception {
        byte[] b = snapshot(5).toBytes();
        IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
                () -> CalendarSnapshot.fromBytes(Arrays.copyOf(b, b.length / 2)));
        assertTrue(cut.getMessage().startsWith("calendar cache unreadable: not valid gzip"), cut.getMessage());

        byte[] bomb = gzip(new byte[CalendarSnapshot.MAX_JSON_BYTES + 1]);
        assertTrue(bomb.length < 64 * 1024, "a few KB that would inflate past the limit: " + bomb.length);
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> CalendarSnapshot.fromBytes(bomb));
        assertEquals("calendar cache unreadable: it inflates to more than 16 MB", big.getMessage());

        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class,
                () -> CalendarSnapshot.fromBytes(gzip("[1,2]".getBytes(StandardCharsets.UTF_8))));
        assertTrue(notJson.getMessage().startsWith("calendar cache unreadable: expected a JSON object"), notJson.getMessage());
    }
}
