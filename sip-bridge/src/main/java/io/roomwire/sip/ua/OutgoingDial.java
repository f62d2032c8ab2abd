package io.roomwire.sip.ua;

import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SdpException;
import java.io.IOException;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * The INVITE of an outgoing call until its final answer: DNS (RFC 3263) and failover over the SRV
 * servers, redirects (3xx), digest challenges, a 422's larger session interval, CANCEL. Every method
 * but {@link #connect()} runs under the call's lock.
 */
final class OutgoingDial {

    private static final int MAX_REDIRECTS = 3;

    private final SipCallImpl call;
    private final UserAgent ua;
    private final DigestAuth digest;
    private SipURI requestUri;
    private Request inviteRequest;
    private ClientTransaction inviteTx;
    private List<SipHop> hops = List.of();
    private int hopIndex;
    private int redirects;
    private boolean provisionalSeen;
    private boolean cancelRequested;

    OutgoingDial(SipCallImpl call, UserAgent ua) {
        this.call = call;
        this.ua = ua;
        this.digest = new DigestAuth(ua);
    }

    /**
     * Dialling, part 1, on the caller's thread: checks the address, registers the call and shows
     * DIALING. False when the call ended here (an address that cannot be dialled).
     */
    boolean begin(JoinTarget target) {
        try {
            URI u = ua.messages.addresses.createURI(target.uri());
            if (!(u instanceof SipURI uri)) {
                throw new IllegalArgumentException("not a sip: or sips: URI: " + target.uri());
            }
            if (uri.isSecure() && ua.settings.transport() != SipTransport.TLS) {
                call.failEarly(0, "A sips: meeting address needs TLS (set sip.transport=tls)", "sips over "
                        + ua.settings.transport());
                return false;
            }
            GatewayProfile profile = ua.profileFor(target, uri);
            if (!profile.media().allows(ua.settings.transport())) {
                String least = profile.media().transport().orElseThrow().wireName();
                call.failEarly(0, "This meeting's gateway (" + profile.name() + ") needs " + least.toUpperCase(Locale.ROOT)
                        + " (set sip.transport=" + least + ")", "gateway." + profile.provider() + ".transport=" + least
                        + " but sip.transport=" + ua.settings.transport().wireName());
                return false;
            }
            if (SdesExposure.keysInClear(ua.settings, ua.srtpPolicy(profile))) {
                call.failEarly(0, SdesExposure.REFUSAL, "SRTP required for " + profile.provider() + " over "
                        + ua.settings.transport());
                return false;
            }
            if (!ua.negotiatorFor(profile).capabilities().hasAudioCodec()) {
                call.failEarly(0, "The room has none of the audio codecs this meeting's gateway takes",
                        "gateway." + profile.provider() + ".audio-codecs=" + String.join(",", profile.media().audioCodecs()));
                return false;
            }
            call.profile(profile);
            requestUri = uri;
            call.register(ua.provider.getNewCallId().getCallId());
            call.fireState(CallState.DIALING, "Calling " + target.uri());
            return true;
        } catch (ParseException | IllegalArgumentException e) {
            call.failEarly(0, "The meeting address is not valid: " + target.uri(), e.getMessage());
            return false;
        }
    }

    /**
     * Dialling, part 2, on the user agent's dial thread: DNS, media, the INVITE. DNS and the TCP/TLS
     * connect of the send wait outside the call's lock, so a hang-up from the panel or an operator is
     * never held up by a slow resolver or a gateway that does not answer the connect.
     */
    void connect() {
        List<SipHop> resolved = List.of();
        if (ua.settings.outboundProxy().isEmpty()) {
            try {
                resolved = resolve(requestUri);
            } catch (IOException | RuntimeException e) {
                synchronized (call) {
                    if (call.state() != CallState.ENDED) {
                        call.failEarly(0, CallFailures.NOT_FOUND, e.getMessage());
                    }
                }
                return;
            }
        }
        ClientTransaction tx;
        synchronized (call) {
            if (call.state() == CallState.ENDED) {
                return; // hung up while DNS ran: nothing was sent
            }
            hops = resolved;
            ua.expectTlsIdentity(hops, requestUri.getHost());
            try {
                byte[] offer = call.openSession().offer();
                inviteRequest = buildInvite(offer);
                tx = newInviteTransaction(inviteRequest);
            } catch (ParseException | IllegalArgumentException e) {
                call.failEarly(0, "The meeting address is not valid: " + call.target().uri(), e.getMessage());
                return;
            } catch (IOException e) {
                call.failEarly(0, "The room's media could not start", e.toString());
                return;
            } catch (SipException e) {
                call.failEarly(0, CallFailures.UNREACHABLE, e.getMessage());
                return;
            } catch (RuntimeException e) { // the stack going away under a stop(), or a bug: the call ends, saying so
                call.failEarly(0, CallFailures.UNREACHABLE, e.toString());
                return;
            }
            call.startRingTimer();
            Logger.info("call {}: dialling {} ({})", call.id(), call.target().uri(), call.target().kind().wireName());
        }
        try {
            tx.sendRequest();
        } catch (SipException | RuntimeException e) {
            synchronized (call) {
                if (call.state() == CallState.ENDED || tx != inviteTx) {
                    return;
                }
                // A refused TCP/TLS connection fails the send at once: the next SRV server is tried now.
                try {
                    if (hopIndex + 1 >= hops.size()) {
                        throw e;
                    }
                    nextHop("cannot reach " + hops.get(hopIndex) + " (" + e.getMessage() + ")");
                } catch (SipException | ParseException | RuntimeException ex) {
                    call.failEarly(0, CallFailures.UNREACHABLE, ex.getMessage());
                }
            }
        }
    }

    private List<SipHop> resolve(SipURI uri) throws IOException {
        return ua.resolver.resolve(uri.getHost(), uri.getPort() > 0 ? OptionalInt.of(uri.getPort())
                : OptionalInt.empty(), ua.settings.transport());
    }

    private Request buildInvite(byte[] offer) throws ParseException, SipException {
        SipMessages m = ua.messages;
        try {
            Address fromAddr = m.addresses.createAddress(m.addresses.createURI(ua.settings.addressOfRecord()));
            fromAddr.setDisplayName(ua.settings.displayName());
            FromHeader from = m.headers.createFromHeader(fromAddr, ua.newTag());
            ToHeader to = m.headers.createToHeader(m.addresses.createAddress((URI) requestUri.clone()), null);
            CallIdHeader callId = m.headers.createCallIdHeader(call.sipCallId());
            CSeqHeader cseq = m.headers.createCSeqHeader(1L, Request.INVITE);
            ViaHeader via = m.headers.createViaHeader(ua.settings.localAddress(), ua.localPort,
                    ua.settings.transport().wireName(), null);
            Request r = m.factory.createRequest(requestUri, Request.INVITE, callId, cseq, from, to,
                    new ArrayList<>(List.of(via)), m.headers.createMaxForwardsHeader(70), m.sdpType(), offer);
            m.addContact(r);
            m.addAllow(r);
            call.sessionTimer().addToInvite(r);
            r.addHeader(m.headers.createHeader("User-Agent", "Roomwire"));
            addRoute(r);
            return r;
        } catch (javax.sip.InvalidArgumentException e) {
            throw new ParseException(e.getMessage(), 0);
        }
    }

    /** A Route to the SRV server being tried, so the request URI can stay the meeting's address (RFC 3263 4.3). */
    private void addRoute(Request r) {
        r.removeHeader(RouteHeader.NAME);
        if (!hops.isEmpty()) {
            SipHop hop = hops.get(hopIndex);
            try {
                Address a = ua.messages.addresses.createAddress(ua.messages.addresses.createURI(hop.routeUri()));
                r.addHeader(ua.messages.headers.createRouteHeader(a));
            } catch (ParseException ex) {
                throw new IllegalArgumentException(ex);
            }
        }
    }

    /** Makes {@code r} the call's current INVITE transaction (and its dialog), not yet sent. */
    private ClientTransaction newInviteTransaction(Request r) throws SipException {
        inviteTx = ua.provider.getNewClientTransaction(r);
        call.dialogRequests().use(inviteTx.getDialog());
        return inviteTx;
    }

    /** Sends the INVITE again as a new transaction (next hop, redirect, bigger session interval). */
    private void resendInvite(Consumer<Request> change) throws SipException {
        Request r = (Request) inviteRequest.clone();
        CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
        try {
            cseq.setSeqNumber(cseq.getSeqNumber() + 1);
        } catch (javax.sip.InvalidArgumentException e) {
            throw new SipException(e.getMessage());
        }
        ((ViaHeader) r.getHeader(ViaHeader.NAME)).removeParameter("branch");
        change.accept(r);
        inviteRequest = r;
        provisionalSeen = false;
        newInviteTransaction(r).sendRequest();
    }

    void onResponse(ResponseEvent e, int status) {
        Response r = e.getResponse();
        if (status < 200) {
            onProvisional(e, status);
        } else if (status < 300) {
            onSuccess(e, r);
        } else if (call.state() != CallState.ENDED) {
            try {
                onFailure(e, r, status);
            } catch (SipException | ParseException | RuntimeException ex) {
                call.finish(CallEnd.EndedBy.NETWORK, status, CallFailures.forStatus(status), ex.toString());
            }
        }
    }

    private void onProvisional(ResponseEvent e, int status) {
        Response r = e.getResponse();
        if (status == 100) {
            return;
        }
        provisionalSeen = true;
        if (cancelRequested) {
            sendCancel();
            cancelRequested = false;
            ua.awaitingAck.remove(call.sipCallId(), call);
            return;
        }
        CallState state = call.state();
        if (state == CallState.ENDED) {
            return;
        }
        if (status == 183 && r.getRawContent() != null && r.getRawContent().length > 0) {
            if (startMedia(r.getRawContent(), e.getDialog(), true)) {
                call.fireState(CallState.EARLY_MEDIA, "Connecting... (early media, 183)");
            }
        } else if (state == CallState.DIALING) {
            // 183 without SDP is progress, not ringing (RFC 3261 21.1.5): say which one came.
            call.fireState(CallState.RINGING, status == 180 ? "Ringing..." : "Connecting... (" + status + " "
                    + r.getReasonPhrase() + ")");
        }
    }

    private void onSuccess(ResponseEvent e, Response r) {
        DialogRequests dialog = call.dialogRequests();
        Dialog d = e.getDialog() != null ? e.getDialog() : dialog.dialog();
        dialog.use(d);
        dialog.ack(d, r);
        if (call.state() == CallState.ENDED || cancelRequested) {
            dialog.send(Request.BYE);
            cancelRequested = false;
            ua.awaitingAck.remove(call.sipCallId(), call);
            return;
        }
        if (call.state().isLive()) {
            return; // a retransmitted 200; the ACK went again
        }
        call.stopRingTimer();
        byte[] body = r.getRawContent();
        if (body == null || body.length == 0) {
            if (!call.session().agreed()) {
                dialog.send(Request.BYE);
                call.finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.forNegotiation(NegotiationException.Reason.MALFORMED),
                        "200 OK without SDP");
                return;
            }
        } else if (!startMedia(body, d, false)) {
            return;
        }
        call.sessionTimer().read(r, true);
        call.connected("Connected");
    }

    private void onFailure(ResponseEvent e, Response r, int status) throws SipException, ParseException {
        if (status >= 300 && status < 400) {
            redirect(r, status);
        } else if (digest.mayAnswer(status, e.getClientTransaction())) {
            Optional<String> refused = digest.refusal(r, nextHopHost());
            if (refused.isPresent()) {
                Logger.warn("call {}: {} challenge not answered: {}", call.id(), status, refused.get());
                call.finish(CallEnd.EndedBy.REMOTE, status, refused.get(), status + " " + r.getReasonPhrase()
                        + ", realm \"" + DigestScope.realm(r) + "\"");
                return;
            }
            inviteTx = digest.answer(r, e.getClientTransaction());
            inviteRequest = inviteTx.getRequest();
            call.dialogRequests().use(inviteTx.getDialog());
            provisionalSeen = false;
            inviteTx.sendRequest();
        } else if (status == 422 && r.getHeader("Min-SE") != null) {
            SessionTimer timer = call.sessionTimer();
            if (!timer.acceptMinSe(r)) {
                fail(status, r);
                return;
            }
            resendInvite(req -> ua.messages.setHeader(req, "Session-Expires", timer.sessionExpiresValue()));
        } else if (status == 503 && hopIndex + 1 < hops.size()) {
            nextHop("503 from " + hops.get(hopIndex));
        } else {
            fail(status, r);
        }
    }

    /** The host the current INVITE went to: the outbound proxy, the SRV target, or the request URI's host. */
    private String nextHopHost() {
        if (ua.settings.outboundProxy().isPresent()) {
            return DigestScope.hostOf(ua.settings.outboundProxy().get());
        }
        return ((SipURI) inviteRequest.getRequestURI()).getHost();
    }

    private void fail(int status, Response r) {
        call.finish(CallEnd.EndedBy.REMOTE, status, CallFailures.forStatus(status), status + " " + r.getReasonPhrase());
    }

    private void redirect(Response r, int status) throws SipException {
        ContactHeader c = (ContactHeader) r.getHeader(ContactHeader.NAME);
        if (c == null || redirects >= MAX_REDIRECTS || !(c.getAddress().getURI() instanceof SipURI next)) {
            fail(status, r);
            return;
        }
        Optional<String> refused = RedirectPolicy.refusal((SipURI) inviteRequest.getRequestURI(), next);
        if (refused.isPresent()) {
            Logger.warn("call {}: {}", call.id(), refused.get());
            call.finish(CallEnd.EndedBy.REMOTE, status, "The gateway redirected the call elsewhere; the room does not follow"
                    + " it (" + status + ")", refused.get());
            return;
        }
        redirects++;
        Logger.info("call {}: redirected ({}) to {}", call.id(), status, next);
        SipURI nextUri = (SipURI) next.clone();
        try {
            hops = ua.settings.outboundProxy().isPresent() ? List.of() : resolve(nextUri);
        } catch (IOException e) {
            call.finish(CallEnd.EndedBy.NETWORK, status, CallFailures.NOT_FOUND, e.getMessage());
            return;
        }
        hopIndex = 0;
        ua.expectTlsIdentity(hops, nextUri.getHost());
        resendInvite(req -> {
            req.setRequestURI(nextUri);
            addRoute(req);
        });
    }

    /** Sends the INVITE to the next server of the SRV answer, and on past any that refuse at once. */
    private void nextHop(String why) throws SipException, ParseException {
        while (true) {
            hopIndex++;
            Logger.info("call {}: {}; trying {}", call.id(), why, hops.get(hopIndex));
            try {
                resendInvite(this::addRoute);
                return;
            } catch (SipException e) {
                if (hopIndex + 1 >= hops.size()) {
                    throw e;
                }
                why = "cannot reach " + hops.get(hopIndex) + " (" + e.getMessage() + ")";
            }
        }
    }

    /** True when another SRV server was tried after {@code why}; false when none is left or it failed. */
    boolean failOver(String why) {
        if (hops.isEmpty() || hopIndex + 1 >= hops.size()) {
            return false;
        }
        try {
            nextHop(why);
            return true;
        } catch (SipException | ParseException | RuntimeException e) {
            Logger.debug("call {}: next hop failed: {}", call.id(), e.toString());
            return false;
        }
    }

    String currentHop() {
        return hops.isEmpty() ? "" : hops.get(hopIndex).toString();
    }

    /**
     * A hang-up before the answer: CANCEL once the gateway has sent a 1xx (RFC 3261 9.1), else a
     * CANCEL on the first 1xx or an ACK and BYE on a 2xx that comes after.
     */
    void hangUp() {
        if (provisionalSeen && inviteTx != null) {
            sendCancel();
        } else {
            cancelRequested = true;
        }
    }

    /** No answer in time: CANCEL now, or on the first 1xx when none came yet. */
    void ringTimedOut() {
        sendCancel();
        cancelRequested = !provisionalSeen;
    }

    /** Whether the INVITE is still out (a late answer must still be ACKed or CANCELled). */
    boolean inviteSent() {
        return inviteTx != null;
    }

    boolean isCurrent(ClientTransaction tx) {
        return tx == inviteTx;
    }

    void sendCancel() {
        try {
            if (inviteTx != null && inviteTx.getState() == javax.sip.TransactionState.PROCEEDING) {
                ua.provider.getNewClientTransaction(inviteTx.createCancel()).sendRequest();
            }
        } catch (SipException | RuntimeException e) {
            Logger.debug("call {}: CANCEL not sent: {}", call.id(), e.toString());
        }
    }

    /** Negotiates the far end's answer and starts media; false (and the call ended) on failure. */
    private boolean startMedia(byte[] body, Dialog d, boolean early) {
        try {
            call.session().acceptAnswer(body);
            return true;
        } catch (SdpException e) {
            return mediaFailed(d, early, CallFailures.forNegotiation(NegotiationException.Reason.MALFORMED), e.getMessage());
        } catch (NegotiationException e) {
            return mediaFailed(d, early, CallFailures.forNegotiation(e.reason()), e.getMessage());
        } catch (IOException e) {
            if (e.getCause() instanceof io.roomwire.sip.srtp.SrtpException) {
                return mediaFailed(d, early, CallFailures.forNegotiation(NegotiationException.Reason.BAD_CRYPTO),
                        "the answer's " + e.getCause().getMessage());
            }
            return mediaFailed(d, early, "The room's media could not start", e.toString());
        } catch (RuntimeException e) {
            return mediaFailed(d, early, "The room's media could not start", e.toString());
        }
    }

    private boolean mediaFailed(Dialog d, boolean early, String message, String detail) {
        Logger.warn("call {}: {} ({})", call.id(), message, detail);
        if (early) {
            sendCancel();
        } else {
            call.dialogRequests().use(d);
            call.dialogRequests().send(Request.BYE);
        }
        call.finish(CallEnd.EndedBy.LOCAL, 0, message, detail); // no 488 was exchanged: the answer came in a 2xx or 183
        return false;
    }
}
