package io.roomwire.sip.ua;

import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SessionDescription;
import java.io.IOException;
import java.text.ParseException;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * The answering side of an incoming call: 180, then 200 with our answer, 603 or 480, and the BYE
 * that must wait for the caller's ACK (RFC 3261 15). Used under the call's lock.
 */
final class IncomingCall {

    private final SipCallImpl call;
    private final UserAgent ua;
    private final ServerTransaction serverTx;
    private final SessionDescription offer;
    private final String toTag;
    private boolean ackReceived;
    private boolean byeAfterAck;

    IncomingCall(SipCallImpl call, UserAgent ua, ServerTransaction serverTx, SessionDescription offer) {
        this.call = call;
        this.ua = ua;
        this.serverTx = serverTx;
        this.offer = offer;
        this.toTag = ua.newTag();
    }

    Request invite() {
        return serverTx.getRequest();
    }

    void ring() {
        try {
            Response ringing = ua.messages.response(Response.RINGING, serverTx.getRequest());
            ((ToHeader) ringing.getHeader(ToHeader.NAME)).setTag(toTag);
            ua.messages.addContact(ringing);
            serverTx.sendResponse(ringing);
        } catch (SipException | ParseException | javax.sip.InvalidArgumentException e) {
            Logger.warn("call {}: 180 not sent: {}", call.id(), e.toString());
        }
        Logger.info("call {}: incoming from {}", call.id(), call.remoteName());
        ua.fire(new CallEvent.Incoming(call));
        ua.emit("call.incoming", "call", call.id(), "from", call.target().uri());
        call.startRingTimer();
        if (IncomingCallPolicy.autoAnswers(ua.settings.autoAnswerFrom(), ua.settings.autoAnswer(), call.target().uri())) {
            answer();
        }
    }

    void answer() {
        if (call.state() != CallState.INCOMING) {
            return;
        }
        try {
            byte[] answer = call.session().answer(offer, false);
            Response ok = ua.messages.response(Response.OK, serverTx.getRequest());
            ua.messages.addContact(ok);
            ua.messages.addAllow(ok);
            call.sessionTimer().addToAnswer(ok, serverTx.getRequest());
            ok.setContent(answer, ua.messages.sdpType());
            ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(toTag);
            serverTx.sendResponse(ok);
            call.connected("Connected");
        } catch (NegotiationException e) {
            reject(Response.NOT_ACCEPTABLE_HERE, e.getMessage());
            call.finish(CallEnd.EndedBy.LOCAL, 488, CallFailures.forNegotiation(e.reason()), e.getMessage());
        } catch (IOException | SipException | ParseException | javax.sip.InvalidArgumentException | RuntimeException e) {
            Logger.warn("call {}: answering failed: {}", call.id(), e.toString());
            reject(Response.SERVER_INTERNAL_ERROR, "media could not start");
            call.finish(CallEnd.EndedBy.LOCAL, 500, "The call could not be answered", e.toString());
        }
    }

    void reject(int status, String warning) {
        try {
            Response r = ua.messages.response(status, serverTx.getRequest());
            ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(toTag);
            if (warning != null) {
                r.addHeader(ua.messages.warning(warning));
            }
            serverTx.sendResponse(r);
        } catch (SipException | ParseException | javax.sip.InvalidArgumentException | RuntimeException e) {
            Logger.debug("call {}: {} not sent: {}", call.id(), status, e.toString());
        }
    }

    /** Our hang-up of the answered call: BYE now, or once the caller's ACK for our 200 came. */
    void hangUp() {
        if (ackReceived) {
            call.dialogRequests().send(Request.BYE);
        } else {
            byeAfterAck = true; // RFC 3261 15: no BYE before the ACK for our 2xx
        }
    }

    /** The caller's ACK for our 200: the dialog is confirmed; a hang-up waiting for it goes out now. */
    void onAck() {
        ackReceived = true;
        sendWaitingBye();
    }

    /** Our 200 was never ACKed (timer H): the BYE that waited goes anyway. */
    void onNoAck() {
        sendWaitingBye();
    }

    private void sendWaitingBye() {
        if (byeAfterAck) {
            byeAfterAck = false;
            call.dialogRequests().send(Request.BYE);
        }
    }

    boolean owesBye() {
        return byeAfterAck;
    }
}
