package io.roomwire.sip.ua;

import io.roomwire.sip.SipSettings;
import java.text.ParseException;
import javax.sip.ServerTransaction;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.ContactHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.Header;
import javax.sip.header.HeaderFactory;
import javax.sip.message.Message;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/** The stack's factories and the headers every message of the user agent carries the same way. */
final class SipMessages {

    static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO";

    final HeaderFactory headers;
    final AddressFactory addresses;
    final MessageFactory factory;
    private final SipSettings settings;
    private final int localPort;

    SipMessages(SipSettings settings, HeaderFactory headers, AddressFactory addresses, MessageFactory factory,
                int localPort) {
        this.settings = settings;
        this.headers = headers;
        this.addresses = addresses;
        this.factory = factory;
        this.localPort = localPort;
    }

    /** Our Contact: the user at the local address, port and transport (RFC 3261 8.1.1.8). */
    void addContact(Message m) throws ParseException {
        SipURI contact = addresses.createSipURI(settings.user(), settings.localAddress());
        contact.setPort(localPort);
        contact.setTransportParam(settings.transport().wireName());
        m.removeHeader(ContactHeader.NAME);
        m.addHeader(headers.createContactHeader(addresses.createAddress(contact)));
    }

    void addAllow(Message m) throws ParseException {
        for (String method : ALLOW.split(",\\s*")) {
            m.addHeader(headers.createAllowHeader(method));
        }
    }

    ContentTypeHeader sdpType() throws ParseException {
        return headers.createContentTypeHeader("application", "sdp");
    }

    void setHeader(Message m, String name, String value) {
        try {
            m.removeHeader(name);
            m.addHeader(headers.createHeader(name, value));
        } catch (ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    Response response(int status, Request request) throws ParseException {
        return factory.createResponse(status, request);
    }

    /** Answers a server transaction; a Warning (RFC 3261 20.43) says why when there is a reason to give. */
    void respond(ServerTransaction st, int status, String warning) {
        try {
            Response r = factory.createResponse(status, st.getRequest());
            if (warning != null) {
                r.addHeader(warning(warning));
            }
            if (status == Response.METHOD_NOT_ALLOWED) {
                addAllow(r);
            }
            st.sendResponse(r);
        } catch (Exception ex) {
            Logger.debug("{} not sent: {}", status, ex.toString());
        }
    }

    Header warning(String text) throws ParseException {
        return headers.createHeader("Warning", "399 roomwire \"" + text.replace('"', '\'') + "\"");
    }

    static String headerValue(Message m, String name) {
        Header h = m.getHeader(name);
        if (h == null) {
            return "";
        }
        String s = h.toString().trim();
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(colon + 1).trim();
    }

    /** The delta-seconds before any parameters (Session-Expires, Min-SE, Min-Expires), or -1. */
    static long parseDelta(String v) {
        String n = v.split(";")[0].trim();
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
