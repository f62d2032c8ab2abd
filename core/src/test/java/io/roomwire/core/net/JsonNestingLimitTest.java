package io.roomwire.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonIOException;
import com.google.gson.JsonParser;
import java.io.StringReader;
import org.junit.jupiter.api.Test;

class JsonNestingLimitTest {

    @Test
    void refusesNestingBeyondTheLimitBeforeBuildingIt() {
        String deep = "[".repeat(5_000_000);
        JsonIOException e = assertThrows(JsonIOException.class,
                () -> JsonParser.parseReader(new JsonNestingLimit(new StringReader(deep), 64)));
        assertTrue(e.getMessage().contains("deeper than 64"), e.getMessage());
    }

    @Test
    void bracketsInsideStringsDoNotCount() {
        String json = "{\"a\":\"" + "[{".repeat(1000) + "\\\"[[\",\"b\":[[1]]}";
        assertEquals(1, JsonParser.parseReader(new JsonNestingLimit(new StringReader(json), 3))
                .getAsJsonObject().get("b").getAsJsonArray().get(0).getAsJsonArray().get(0).getAsInt());
    }

    @Test
    void nestingAtTheLimitIsFine() {
        String json = "[".repeat(64) + "]".repeat(64);
        JsonParser.parseReader(new JsonNestingLimit(new StringReader(json), 64));
        assertThrows(JsonIOException.class, () -> JsonParser.parseReader(
                new JsonNestingLimit(new StringReader("[".repeat(65) + "]".repeat(65)), 64)));
    }
}
