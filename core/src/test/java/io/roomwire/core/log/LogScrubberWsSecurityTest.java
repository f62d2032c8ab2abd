package io.roomwire.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class LogScrubberWsSecurityTest {

    @Test
    void hidesTheBinarySecurityTokenOfMdmSoapMessages() {
        String token = "ZXlKMGVYQWlPaUpLVjFRaUxDSmhiR2NpT2lKU1V6STFOaUo5LmV5SjFjRzRpT2lKeWIyOXRJbjA";
        String line = "<wsse:Security s:mustUnderstand=\"1\"><wsse:BinarySecurityToken ValueType=\"x#DeviceEnrollmentUserToken\" "
                + "EncodingType=\"y#base64binary\">" + token + "</wsse:BinarySecurityToken></wsse:Security>";
        String scrubbed = LogScrubber.scrub(line);
        assertFalse(scrubbed.contains(token), scrubbed);
        assertEquals("<wsse:Security s:mustUnderstand=\"1\"><wsse:BinarySecurityToken ValueType=\"x#DeviceEnrollmentUserToken\" "
                + "EncodingType=\"y#base64binary\">***</wsse:BinarySecurityToken></wsse:Security>", scrubbed);
        assertEquals(scrubbed, LogScrubber.scrub(scrubbed));
    }
}
