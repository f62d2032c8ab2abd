package io.roomwire.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/roomwire.sample.properties is what 'roomwire config sample' prints (regenerate it when settings change). */
class SampleConfigDocTest {

    @Test
    void theDocumentedSampleIsTheGeneratedOne() throws Exception {
        Path doc = Path.of("..", "docs", "roomwire.sample.properties");
        if (Boolean.getBoolean("roomwire.regenerate-docs")) {
            Files.writeString(doc, Settings.sample());
        }
        assertEquals(Settings.sample(), Files.readString(doc),
                "docs/roomwire.sample.properties is stale: run 'roomwire config sample > docs/roomwire.sample.properties' "
                        + "or mvn test -Droomwire.regenerate-docs=true -Dtest=SampleConfigDocTest");
    }
}
