package io.roomwire.sip.ua;

import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SdpException;
import io.roomwire.sip.sdp.SessionDescription;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import javax.sip.RequestEvent;
import javax.sip.ServerTransaction;
import javax.sip.TransactionAlreadyExistsException;
import javax.sip.address.Address;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/** Requests from the network: new calls, in-dialog requests, and everything we refuse. */
final class Inbound {

    /** Methods we know but do not take (405); anything else unknown gets 501. */
    private static final Set<String> KNOWN_REFUSED = Set.of("REGISTER", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE",
            "PUBLISH", "PRACK");

    private Inbound() {
    }

    static void handle(UserAgent ua, RequestEvent e) {
        Request req = e.getRequest();
        String method = req.getMethod();
        if (Request.ACK.equals(method)) {
            CallIdHeader ackId = (CallIdHeader) req.getHeader(CallIdHeader.NAME);
            SipCallImpl acked = ackId == null ? null : ua.callsBySipId.get(ackId.getCallId());
            if (acked != null) {
                acked.onAck();
            } else if (ackId != null) {
                ua.endedAwaitingAck(ackId.getCallId()).ifPresent(SipCallImpl::onAck);
            }
            return;
        }
        ServerTransaction st = e.getServerTransaction();
        if (st == null) {
            try {
                st = ua.provider.getNewServerTransaction(req);
            } catch (TransactionAlreadyExistsException ex) {
                return; // a retransmission the stack already answers
            } catch (Exception ex) {
                Logger.debug("no server transaction for {}: {}", method, ex.toString());
                return;
            }
        }
        CallIdHeader cid = (CallIdHeader) req.getHeader(CallIdHeader.NAME);
        SipCallImpl call = cid == null ? null : ua.callsBySipId.get(cid.getCallId());
        switch (method) {
            case Request.INVITE -> {
                String toTag = ((ToHeader) req.getHeader(ToHeader.NAME)).getTag();
                if (toTag != null) {
                    if (call == null) {
                        respond(ua, st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null);
                    } else {
                        call.onReinvite(st, req);
                    }
                } else {
                    newCall(ua, st, req);
                }
            }
            case Request.UPDATE -> {
                if (call == null) {
                    respond(ua, st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null);
                } else {
                    call.onReinvite(st, req);
                }
            }
            case Request.BYE -> {
                if (call == null) {
                    respond(ua, st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null);
                } else {
                    call.onBye(st, req);
                }
            }
            case Request.CANCEL -> {
                respond(ua, st, call == null ? Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST : Response.OK, null);
                if (call != null) {
                    call.onCancel();
                }
            }
            case Request.OPTIONS -> {
                try {
                    Response ok = ua.messages.response(Response.OK, req);
                    ua.messages.addAllow(ok);
                    ok.addHeader(ua.messages.headers.createHeader("Accept", "application/sdp"));
                    ok.addHeader(ua.messages.headers.createHeader("Supported", "timer"));
                    st.sendResponse(ok);
                } catch (Exception ex) {
                    Logger.debug("OPTIONS not answered: {}", ex.toString());
                }
            }
            case Request.INFO -> respond(ua, st, call == null ? Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST
                    : Response.OK, null);
            default -> {
                int status = KNOWN_REFUSED.contains(method.toUpperCase(Locale.ROOT)) ? Response.METHOD_NOT_ALLOWED
                        : Response.NOT_IMPLEMENTED;
                respond(ua, st, status, null);
            }
        }
    }

    private static void newCall(UserAgent ua, ServerTransaction st, Request req) {
        if (!ua.inviteLimiter.tryAcquire()) {
            Logger.warn("incoming INVITE refused: more than {} in 10 s", ua.settings.inviteRateLimit());
            try {
                Response busy = ua.messages.response(Response.SERVICE_UNAVAILABLE, req);
                busy.addHeader(ua.messages.headers.createRetryAfterHeader((int) ua.inviteLimiter.retryAfterSeconds()));
                st.sendResponse(busy);
            } catch (Exception ex) {
                Logger.debug("503 not sent: {}", ex.toString());
            }
            return;
        }
        java.util.Optional<String> busy = IncomingCallPolicy.busyReason(ua);
        if (busy.isPresent()) {
            Logger.info("incoming call refused with 486: {}", busy.get());
            respond(ua, st, Response.BUSY_HERE, null);
            return;
        }
        if (SdesExposure.keysInClear(ua.settings)) {
            respond(ua, st, Response.NOT_ACCEPTABLE_HERE, "SRTP keys over " + ua.settings.transport()
                    + " would travel in clear; call the room over TLS");
            return;
        }
        ContentTypeHeader ct = (ContentTypeHeader) req.getHeader(ContentTypeHeader.NAME);
        byte[] body = req.getRawContent();
        if (body == null || body.length == 0) {
            respond(ua, st, Response.NOT_ACCEPTABLE_HERE, "an INVITE without an SDP offer is not supported");
            return;
        }
        if (ct == null || !"application".equalsIgnoreCase(ct.getContentType())
                || !"sdp".equalsIgnoreCase(ct.getContentSubType())) {
            respond(ua, st, Response.UNSUPPORTED_MEDIA_TYPE, "only application/sdp bodies are accepted");
            return;
        }
        SessionDescription offer;
        try {
            offer = SessionDescription.parse(body);
        } catch (SdpException ex) {
            respond(ua, st, Response.BAD_REQUEST, "Bad SDP: " + ex.getMessage());
            return;
        }
        FromHeader from = (FromHeader) req.getHeader(FromHeader.NAME);
        Address a = from.getAddress();
        String uri = a.getURI().toString();
        String name = a.getDisplayName() != null && !a.getDisplayName().isBlank() ? a.getDisplayName() : uri;
        name = name.replaceAll("[\\p{Cntrl}]", "");
        if (name.length() > 80) {
            name = name.substring(0, 80);
        }
        try {
            SipCallImpl call = SipCallImpl.incoming(ua, st, req, offer, name, uri);
            call.ring();
        } catch (NegotiationException ex) {
            respond(ua, st, Response.NOT_ACCEPTABLE_HERE, ex.getMessage());
        } catch (IOException | RuntimeException ex) {
            Logger.warn("incoming call refused: {}", ex.toString());
            respond(ua, st, Response.SERVER_INTERNAL_ERROR, "media could not start");
        }
    }

    static void respond(UserAgent ua, ServerTransaction st, int status, String warning) {
        ua.messages.respond(st, status, warning);
    }
}
