package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sip.CallEnd;
import io.roomwire.sip.sdp.NegotiationException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Issue 10 items 4 and 5: a status only when one was received, and the outcome said once. */
class DialOutcomeTest {

    private static final Duration TEN = Duration.ofSeconds(10);

    @Test
    void anAnswerTheRoomCannotUseHasNoStatusButAMediaFailure() {
        CallEnd end = new CallEnd(CallEnd.EndedBy.LOCAL, 0,
                CallFailures.forNegotiation(NegotiationException.Reason.BAD_CRYPTO), "MKI in the answer");
        DialOutcome o = DialOutcome.of(Optional.empty(), end, TEN);
        assertEquals(Optional.empty(), o.status());
        assertEquals(Optional.of("media"), o.failure());
        assertEquals("Not connected: The gateway offered encryption keys the room cannot use.", o.sentence());
    }

    @Test
    void aBusyAnswerIsItsStatusSaidOnce() {
        DialOutcome o = DialOutcome.of(Optional.empty(), new CallEnd(CallEnd.EndedBy.REMOTE, 486, "Busy",
                "486 Busy Here"), TEN);
        assertEquals(Optional.of(486), o.status());
        assertEquals(Optional.empty(), o.failure());
        assertEquals("Not connected: Busy (the far end answered 486).", o.sentence());
    }

    @Test
    void noAnswerAndNoResponseAreFailureKindsNotStatuses() {
        assertEquals(Optional.of("no-answer"), DialOutcome.of(Optional.empty(), new CallEnd(CallEnd.EndedBy.NETWORK, 0,
                CallFailures.RING_TIMEOUT, ""), TEN).failure());
        assertEquals(Optional.of("no-response"), DialOutcome.of(Optional.empty(), new CallEnd(CallEnd.EndedBy.NETWORK, 0,
                CallFailures.TIMEOUT, ""), TEN).failure());
    }

    @Test
    void aDroppedCallIsNotASuccess() {
        DialOutcome o = DialOutcome.of(Optional.of(Duration.ofMillis(1980)), new CallEnd(CallEnd.EndedBy.NETWORK, 0,
                CallFailures.LOST, "dialog terminated by the stack"), TEN);
        assertFalse(o.succeeded());
        assertEquals("ended-early", o.result());
        assertEquals(Optional.of("connection-lost"), o.failure());
        assertEquals("The call dropped after 2.0 s of the 10.0 s asked for: " + CallFailures.LOST + ".", o.sentence());
    }

    @Test
    void theRoomHangingUpAtTheEndOfTheDurationIsASuccess() {
        DialOutcome o = DialOutcome.of(Optional.of(TEN), new CallEnd(CallEnd.EndedBy.LOCAL, 0, "Call ended", "BYE sent"),
                TEN);
        assertTrue(o.succeeded());
        assertEquals(Optional.empty(), o.failure());
        assertEquals("Connected for 10.0 s; the room hung up as asked.", o.sentence());
    }
}
