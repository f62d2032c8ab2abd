package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sip.SipTransport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 12: auto-answer takes only the callers on sip.auto-answer-from. */
class IncomingCallPolicyTest {

    @Test
    void autoAnswersOnlyListedCallers() {
        List<String> list = List.of("sip:helpdesk@corp.example", "@gw.example");
        assertTrue(IncomingCallPolicy.autoAnswers(list, true, "sip:helpdesk@corp.example"));
        assertTrue(IncomingCallPolicy.autoAnswers(list, true, "sips:HelpDesk@corp.example:5061;transport=tls"));
        assertTrue(IncomingCallPolicy.autoAnswers(list, true, "sip:anyone@gw.example"));
        assertFalse(IncomingCallPolicy.autoAnswers(list, true, "sip:mallory@corp.example"));
        assertFalse(IncomingCallPolicy.autoAnswers(list, true, "sip:helpdesk@corp.example.attacker.test"));
        assertFalse(IncomingCallPolicy.autoAnswers(list, true, "sip:x@evil.test;x=@gw.example"));
        assertFalse(IncomingCallPolicy.autoAnswers(list, false, "sip:helpdesk@corp.example"));
        assertTrue(IncomingCallPolicy.autoAnswers(List.of("*"), true, "sip:whoever@anywhere.test"));
    }

    @Test
    void autoAnswerWithoutAListIsRefusedAtConfiguration() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SipFixtures.settings(SipTransport.TLS).autoAnswer(true).build());
        assertTrue(e.getMessage().contains("sip.auto-answer-from"), e.getMessage());
    }

    @Test
    void userAtHostDropsSchemePortAndParameters() {
        assertEquals("a@b.example", IncomingCallPolicy.userAtHost("<sips:A@B.example:5061;transport=tls?x=y>"));
        assertEquals("b.example", IncomingCallPolicy.userAtHost("sip:b.example"));
    }
}
