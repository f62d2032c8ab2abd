package io.roomwire.sip.ua;

import java.util.function.Supplier;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipListener;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;
import org.tinylog.Logger;

/** Routes the stack's events to calls and the registration; never lets an exception into the stack. */
final class StackEvents implements SipListener {

    private final UserAgent ua;
    private final Supplier<Registration> registration;

    StackEvents(UserAgent ua, Supplier<Registration> registration) {
        this.ua = ua;
        this.registration = registration;
    }

    @Override
    public void processRequest(RequestEvent e) {
        try {
            Inbound.handle(ua, e);
        } catch (RuntimeException ex) {
            Logger.warn(ex, "SIP request {} not handled: {}", e.getRequest().getMethod(), ex.toString());
        }
    }

    @Override
    public void processResponse(ResponseEvent e) {
        try {
            if (e.getResponse().getStatusCode() >= 200) {
                ua.pendingByes.ended(e.getClientTransaction());
            }
            CallIdHeader cid = (CallIdHeader) e.getResponse().getHeader(CallIdHeader.NAME);
            if (cid == null) {
                return;
            }
            Registration reg = registration.get();
            if (reg != null && reg.owns(cid.getCallId())) {
                reg.onResponse(e);
                return;
            }
            ua.call(cid.getCallId()).ifPresent(c -> c.onResponse(e));
        } catch (RuntimeException ex) {
            Logger.warn(ex, "SIP response not handled: {}", ex.toString());
        }
    }

    @Override
    public void processTimeout(TimeoutEvent e) {
        try {
            if (!e.isServerTransaction()) {
                ua.pendingByes.ended(e.getClientTransaction());
            }
            Request r = e.isServerTransaction() ? e.getServerTransaction().getRequest()
                    : e.getClientTransaction().getRequest();
            String id = callId(r);
            Registration reg = registration.get();
            if (reg != null && reg.owns(id)) {
                reg.onFailure("no response from the registrar");
                return;
            }
            SipCallImpl c = ua.callsBySipId.get(id);
            if (c == null) {
                c = ua.awaitingAck.remove(id);
            }
            if (c != null) {
                c.onTimeout(r.getMethod(), e.isServerTransaction());
            }
        } catch (RuntimeException ex) {
            Logger.warn(ex, "SIP timeout not handled: {}", ex.toString());
        }
    }

    @Override
    public void processIOException(IOExceptionEvent e) {
        Logger.warn("SIP transport error towards {}:{}/{}", e.getHost(), e.getPort(), e.getTransport());
        for (SipCallImpl c : ua.callsBySipId.values()) {
            c.onTransportError(e.getHost(), e.getPort());
        }
        Registration reg = registration.get();
        if (reg != null) {
            reg.onTransportError(e.getHost(), e.getPort());
        }
    }

    @Override
    public void processTransactionTerminated(TransactionTerminatedEvent e) {
        if (e.isServerTransaction() || e.getClientTransaction() == null) {
            return;
        }
        ua.pendingByes.ended(e.getClientTransaction());
        try {
            Request r = e.getClientTransaction().getRequest();
            String id = callId(r);
            SipCallImpl c = ua.callsBySipId.get(id);
            if (c != null) {
                c.onInviteTransactionEnded(e.getClientTransaction());
            } else {
                SipCallImpl lingering = ua.awaitingAck.get(id);
                if (lingering != null && Request.INVITE.equals(r.getMethod())) {
                    ua.awaitingAck.remove(id, lingering);
                }
            }
        } catch (RuntimeException ex) {
            Logger.debug("transaction end: {}", ex.toString());
        }
    }

    @Override
    public void processDialogTerminated(DialogTerminatedEvent e) {
        try {
            SipCallImpl c = ua.callsBySipId.get(e.getDialog().getCallId().getCallId());
            if (c != null) {
                c.onDialogTerminated(e.getDialog());
            }
        } catch (RuntimeException ex) {
            Logger.debug("dialog termination: {}", ex.toString());
        }
    }

    private static String callId(Request r) {
        return ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId();
    }
}
