package io.roomwire.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class LogScrubberSdesTest {

    @Test
    void hidesSdesKeysInSdpCryptoLines() {
        String key = "WVNfX19vcGVuc2VzYW1lX18tLS0tLS0tLS0tLS0tLS0t";
        String line = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key + "|2^31";
        String scrubbed = LogScrubber.scrub(line);
        assertFalse(scrubbed.contains(key), scrubbed);
        assertEquals("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***|2^31", scrubbed);
        assertEquals(scrubbed, LogScrubber.scrub(scrubbed));
    }
}
