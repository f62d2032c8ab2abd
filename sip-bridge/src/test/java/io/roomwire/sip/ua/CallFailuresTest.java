package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.roomwire.sip.sdp.NegotiationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class CallFailuresTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "404|The gateway did not accept the meeting ID",
            "484|The gateway did not accept the meeting ID",
            "486|Busy",
            "600|Busy",
            "488|No common codec (488)",
            "603|The call was declined",
            "503|The gateway is overloaded or down; try again shortly (503)",
            "302|The call was redirected too often (302)",
            "499|The call was rejected (499)",
            "599|The gateway failed (599)",
            "699|The call was refused (699)"})
    void mapsStatusesToRoomLanguage(int status, String message) {
        assertEquals(message, CallFailures.forStatus(status));
    }

    @ParameterizedTest
    @EnumSource(NegotiationException.Reason.class)
    void everyNegotiationFailureHasAMessage(NegotiationException.Reason r) {
        assertFalse(CallFailures.forNegotiation(r).isBlank());
    }
}
