package io.roomwire.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.tinylog.Logger;

class ScrubbingWriterTest {

    @Test
    void afterGivesTheLinesSinceTheLastMarkOnly() {
        String mark = "mark " + UUID.randomUUID();
        Logger.info(mark);
        Logger.info("first after the first mark");
        Logger.info(mark);
        Logger.info("after the second mark");
        Logger.warn("and a warning");
        List<String> after = ScrubbingWriter.after(mark);
        assertEquals(2, after.size(), after.toString());
        assertTrue(after.get(0).endsWith("after the second mark"), after.get(0));
        assertTrue(after.get(1).contains(" WARN ") && after.get(1).endsWith("and a warning"), after.get(1));
    }

    @Test
    void anUnknownMarkGivesEveryKeptLine() {
        Logger.info("a line " + UUID.randomUUID());
        assertEquals(ScrubbingWriter.recent(Integer.MAX_VALUE), ScrubbingWriter.after("never logged " + UUID.randomUUID()));
    }
}
