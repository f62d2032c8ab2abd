package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.address.AddressFactoryImpl;
import javax.sip.address.SipURI;
import org.junit.jupiter.api.Test;

/** Issue 12: 3xx are followed within the dialled service only. */
class RedirectPolicyTest {

    private final AddressFactoryImpl addresses = new AddressFactoryImpl();

    private boolean follows(String from, String to) throws Exception {
        return RedirectPolicy.refusal((SipURI) addresses.createURI(from), (SipURI) addresses.createURI(to)).isEmpty();
    }

    @Test
    void followsTheSameHostAndItsSiblings() throws Exception {
        assertTrue(follows("sips:1.contoso@m.webex.com", "sips:1.contoso@m.webex.com:5062"));
        assertTrue(follows("sips:1.contoso@m.webex.com", "sips:moved@sjc.webex.com"));
        assertTrue(follows("sip:meeting@127.0.0.1:5070", "sip:moved-meeting@127.0.0.1:5071"));
    }

    @Test
    void refusesOtherHostsAddressesAndDowngrades() throws Exception {
        assertFalse(follows("sips:1.contoso@m.webex.com", "sips:x@webex.com.attacker.test"));
        assertFalse(follows("sips:1.contoso@m.webex.com", "sips:x@203.0.113.9"));
        assertFalse(follows("sips:1.contoso@webex.com", "sips:x@evil.com"));
        assertFalse(follows("sips:1.contoso@m.webex.com", "sip:1.contoso@m.webex.com"));
        assertFalse(follows("sip:a@10.0.0.1", "sip:a@10.0.0.2"));
    }
}
