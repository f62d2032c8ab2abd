package io.roomwire.sip.ua;

import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallState;
import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SdpException;
import io.roomwire.sip.sdp.SessionDescription;
import java.io.IOException;
import java.text.ParseException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.header.CSeqHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * Requests inside one call's dialog: ours (ACK, BYE, OPTIONS keep-alive) and the far end's
 * (re-INVITE or UPDATE for hold, resume and moved media; BYE). Used under the call's lock.
 */
final class DialogRequests {

    /** A gateway IVR that rejects the keyed-in id hangs up with Reason: SIP;cause=404 (RFC 3326). */
    private static final Pattern REASON_CAUSE = Pattern.compile("(?i)SIP\\s*;\\s*cause\\s*=\\s*(\\d{3})");

    private final SipCallImpl call;
    private final UserAgent ua;
    private Dialog dialog;

    DialogRequests(SipCallImpl call, UserAgent ua) {
        this.call = call;
        this.ua = ua;
    }

    Dialog dialog() {
        return dialog;
    }

    void use(Dialog d) {
        dialog = d;
    }

    /** Sends a request in the dialog; a BYE is counted until its answer so that stop() can wait for it. */
    void send(String method) {
        if (dialog == null) {
            return;
        }
        try {
            Request r = dialog.createRequest(method);
            ClientTransaction ct = ua.provider.getNewClientTransaction(r);
            if (Request.BYE.equals(method)) {
                ua.pendingByes.sent(ct);
            }
            try {
                dialog.sendRequest(ct);
            } catch (SipException | RuntimeException e) {
                ua.pendingByes.ended(ct);
                throw e;
            }
        } catch (SipException | RuntimeException e) {
            Logger.warn("call {}: {} not sent: {}", call.id(), method, e.toString());
        }
    }

    void ack(Dialog d, Response r) {
        try {
            CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
            d.sendAck(d.createAck(cseq.getSeqNumber()));
        } catch (SipException | javax.sip.InvalidArgumentException | RuntimeException ex) {
            Logger.warn("call {}: ACK failed: {}", call.id(), ex.toString());
        }
    }

    /** OPTIONS in the dialog every {@code interval} while the call is live; 481/408 ends it (see onResponse). */
    Scheduler.Cancellable keepAlive(Duration interval) {
        return ua.scheduler.scheduleAtFixedRate(interval, interval, () -> {
            synchronized (call) {
                if (call.state().isLive()) {
                    send(Request.OPTIONS);
                }
            }
        });
    }

    /** A far-end re-INVITE or UPDATE with an offer: hold, resume, or media moved (RFC 3264 8). */
    void onReinvite(ServerTransaction st, Request request) {
        CallState state = call.state();
        try {
            if (state == CallState.ENDED || !(state.isLive() || state == CallState.EARLY_MEDIA)) {
                ua.messages.respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null);
                return;
            }
            SessionTimer timer = call.sessionTimer();
            timer.read(request, false);
            byte[] body = request.getRawContent();
            Response ok = ua.messages.response(Response.OK, request);
            ua.messages.addContact(ok);
            timer.addToReinviteAnswer(ok, request);
            if (body != null && body.length > 0) {
                SessionDescription offer;
                try {
                    offer = SessionDescription.parse(body);
                } catch (SdpException ex) {
                    ua.messages.respond(st, Response.BAD_REQUEST, "Bad SDP: " + ex.getMessage());
                    return;
                }
                byte[] answer;
                try {
                    answer = call.session().answer(offer, true);
                } catch (NegotiationException ex) {
                    ua.messages.respond(st, Response.NOT_ACCEPTABLE_HERE, ex.getMessage());
                    return;
                }
                ok.setContent(answer, ua.messages.sdpType());
                st.sendResponse(ok);
                boolean held = call.session().held();
                if (held && state != CallState.ON_HOLD) {
                    call.fireState(CallState.ON_HOLD, "The meeting put the room on hold");
                } else if (!held && state == CallState.ON_HOLD) {
                    call.fireState(CallState.CONNECTED, "Resumed");
                }
            } else {
                if (Request.INVITE.equals(request.getMethod())) {
                    ok.setContent(call.session().repeatedOnce(), ua.messages.sdpType());
                }
                st.sendResponse(ok);
            }
            timer.schedule();
        } catch (SipException | ParseException | IOException | javax.sip.InvalidArgumentException | RuntimeException e) {
            Logger.warn("call {}: re-INVITE not handled: {}", call.id(), e.toString());
            ua.messages.respond(st, Response.SERVER_INTERNAL_ERROR, null);
        }
    }

    void onBye(ServerTransaction st, Request bye) {
        ua.messages.respond(st, Response.OK, null);
        CallState state = call.state();
        if (state != CallState.ENDED) {
            String reason = SipMessages.headerValue(bye, "Reason");
            Matcher m = REASON_CAUSE.matcher(reason);
            int cause = m.find() ? Integer.parseInt(m.group(1)) : 0;
            String message = cause >= 300 ? CallFailures.forStatus(cause)
                    : state.isLive() ? "The meeting ended the call" : "The caller hung up";
            call.finish(CallEnd.EndedBy.REMOTE, cause, message, reason.isEmpty() ? "BYE received" : "BYE received: " + reason);
        }
    }
}
