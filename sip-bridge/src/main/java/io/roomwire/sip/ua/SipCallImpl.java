package io.roomwire.sip.ua;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.Direction;
import io.roomwire.sip.sdp.NegotiatedStream;
import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SdpException;
import io.roomwire.sip.sdp.SdpNegotiator;
import io.roomwire.sip.sdp.SessionDescription;
import io.roomwire.sip.ua.internal.CallMedia;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipException;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/** One call's signalling state machine. Every entry point holds the call's lock. */
final class SipCallImpl implements Call {

    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int MAX_REDIRECTS = 3;
    private static final int MAX_AUTH = 2;
    static final String ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO";

    private final SipJoinPath path;
    private final String id;
    private final boolean incoming;
    private final JoinTarget target;
    private final Instant startedAt;
    private volatile String remoteName;
    private volatile CallState state;
    private volatile CallEnd end;

    private String sipCallId;
    private Dialog dialog;
    private Request inviteRequest;
    private ClientTransaction inviteTx;
    private ClientTransaction refreshTx;
    private ServerTransaction serverTx;
    private CallMedia media;
    private SessionDescription localSdp;
    private SessionDescription remoteOffer;
    private List<NegotiatedStream> streams = List.of();
    private long sdpVersion = 1;
    private final long sessionId;
    private List<SipHop> hops = List.of();
    private int hopIndex;
    private int redirects;
    private int authAttempts;
    private boolean provisionalSeen;
    private boolean cancelRequested;
    private long sessionExpiresSeconds;
    private boolean weRefresh;
    private volatile boolean noMedia;
    private MediaStats finalStats;
    private long packetsAtLastCheck;
    private final List<Scheduler.Cancellable> timers = new ArrayList<>();
    private Scheduler.Cancellable ringTimer;
    private Scheduler.Cancellable sessionTimer;

    private SipCallImpl(SipJoinPath path, boolean incoming, JoinTarget target, String remoteName) {
        this.path = path;
        this.id = "call-" + IDS.incrementAndGet();
        this.incoming = incoming;
        this.target = target;
        this.remoteName = remoteName;
        this.startedAt = path.scheduler.now();
        this.sessionId = path.random.nextLong(1, Long.MAX_VALUE / 2);
        this.sessionExpiresSeconds = path.settings.sessionExpires().toSeconds();
    }

    static SipCallImpl outgoing(SipJoinPath path, JoinTarget target) {
        SipCallImpl c = new SipCallImpl(path, false, target, target.uri());
        c.state = CallState.DIALING;
        return c;
    }

    // ---- Call ---------------------------------------------------------------------------------

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean incoming() {
        return incoming;
    }

    @Override
    public JoinTarget target() {
        return target;
    }

    @Override
    public String remoteName() {
        return remoteName;
    }

    @Override
    public CallState state() {
        return state;
    }

    @Override
    public Instant startedAt() {
        return startedAt;
    }

    @Override
    public Optional<CallEnd> end() {
        return Optional.ofNullable(end);
    }

    @Override
    public MediaStats stats() {
        CallMedia m;
        synchronized (this) {
            if (finalStats != null) {
                return finalStats;
            }
            m = media;
        }
        return m == null ? MediaStats.none() : m.stats();
    }

    Health health() {
        return noMedia && state.isLive() ? Health.degraded("no media on " + id + " for "
                + path.settings.noMediaWindow().toSeconds() + " s") : Health.up();
    }

    @Override
    public synchronized void hangUp() {
        switch (state) {
            case ENDED -> {
            }
            case INCOMING -> decline();
            case DIALING, RINGING, EARLY_MEDIA -> {
                if (provisionalSeen && inviteTx != null) {
                    sendCancel();
                } else {
                    cancelRequested = true;
                }
                finish(CallEnd.EndedBy.LOCAL, 0, "Call cancelled", "hung up before answer");
            }
            case CONNECTED, ON_HOLD -> {
                if (incoming && !ackReceived) {
                    byeAfterAck = true; // RFC 3261 15: no BYE before the ACK for our 2xx
                } else {
                    sendInDialog(Request.BYE);
                }
                finish(CallEnd.EndedBy.LOCAL, 0, "Call ended", "BYE sent");
            }
        }
    }

    @Override
    public synchronized void sendDtmf(String digits) {
        if (!state.isLive() || media == null || digits == null || digits.isEmpty()) {
            return;
        }
        if (!digits.matches("[0-9*#A-Da-d]{1,64}")) {
            Logger.warn("call {}: DTMF ignored: only 0-9, *, # and A-D can be sent", id);
            return;
        }
        boolean sent = media.sendDtmf(digits.toUpperCase(java.util.Locale.ROOT), path.settings.dtmfToneLength(),
                path.settings.dtmfGap());
        Logger.info("call {}: {} DTMF digits {}", id, digits.length(), sent ? "queued" : "not sent (no telephone-event)");
        path.emit("call.dtmf", "call", id, "digits", digits.length(), "sent", sent);
    }

    @Override
    public synchronized void answer() {
        if (state != CallState.INCOMING || serverTx == null) {
            return;
        }
        try {
            SdpNegotiator.Answer perKind = path.negotiator.answer(remoteOffer, path.settings.localAddress(), sessionId,
                    sdpVersion, media.localPorts(), media::answerKey);
            media.apply(perKind.streams());
            streams = perKind.streams();
            localSdp = perKind.sdp();
            Response ok = path.messages.createResponse(Response.OK, serverTx.getRequest());
            addContact(ok);
            addAllow(path, ok);
            ok.addHeader(path.headers.createHeader("Supported", "timer"));
            if (sessionExpiresSeconds > 0 && serverTx.getRequest().getHeader("Session-Expires") != null) {
                ok.addHeader(path.headers.createHeader("Session-Expires", sessionExpiresSeconds + ";refresher=uac"));
                ok.addHeader(path.headers.createHeader("Require", "timer"));
                weRefresh = false;
            }
            ok.setContent(localSdp.format().getBytes(StandardCharsets.UTF_8), sdpType());
            ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(toTag);
            serverTx.sendResponse(ok);
            connected("Connected");
        } catch (NegotiationException e) {
            rejectIncoming(Response.NOT_ACCEPTABLE_HERE, e.getMessage());
            finish(CallEnd.EndedBy.LOCAL, 488, CallFailures.forNegotiation(e.reason()), e.getMessage());
        } catch (IOException | SipException | ParseException | javax.sip.InvalidArgumentException | RuntimeException e) {
            Logger.warn("call {}: answering failed: {}", id, e.toString());
            rejectIncoming(Response.SERVER_INTERNAL_ERROR, "media could not start");
            finish(CallEnd.EndedBy.LOCAL, 500, "The call could not be answered", e.toString());
        }
    }

    @Override
    public synchronized void decline() {
        if (state != CallState.INCOMING) {
            return;
        }
        rejectIncoming(Response.DECLINE, null);
        finish(CallEnd.EndedBy.LOCAL, 603, "The call was declined", "declined in the room");
    }

    // ---- outgoing -----------------------------------------------------------------------------

    /** The request URI of an outgoing call, set by {@link #begin()}. */
    private SipURI requestUri;

    /**
     * Dialling, part 1, on the caller's thread: checks the address, registers the call and shows
     * DIALING. False when the call ended here (an address that cannot be dialled).
     */
    synchronized boolean begin() {
        try {
            URI u = path.addresses.createURI(target.uri());
            if (!(u instanceof SipURI uri)) {
                throw new IllegalArgumentException("not a sip: or sips: URI: " + target.uri());
            }
            if (uri.isSecure() && path.settings.transport() != SipTransport.TLS) {
                failEarly(0, "A sips: meeting address needs TLS (set sip.transport=tls)", "sips over "
                        + path.settings.transport());
                return false;
            }
            if (SdesExposure.keysInClear(path.settings)) {
                failEarly(0, SdesExposure.REFUSAL, "sip.srtp=required over " + path.settings.transport());
                return false;
            }
            requestUri = uri;
            sipCallId = path.provider.getNewCallId().getCallId();
            path.callsBySipId.put(sipCallId, this);
            fireState(CallState.DIALING, "Calling " + target.uri());
            return true;
        } catch (ParseException | IllegalArgumentException e) {
            failEarly(0, "The meeting address is not valid: " + target.uri(), e.getMessage());
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
        if (path.settings.outboundProxy().isEmpty()) {
            try {
                resolved = path.resolver.resolve(requestUri.getHost(), requestUri.getPort() > 0
                        ? OptionalInt.of(requestUri.getPort()) : OptionalInt.empty(), path.settings.transport());
            } catch (IOException | RuntimeException e) {
                synchronized (this) {
                    if (state != CallState.ENDED) {
                        failEarly(0, CallFailures.NOT_FOUND, e.getMessage());
                    }
                }
                return;
            }
        }
        ClientTransaction tx;
        synchronized (this) {
            if (state == CallState.ENDED) {
                return; // hung up while DNS ran: nothing was sent
            }
            hops = resolved;
            path.expectTlsIdentity(hops, requestUri.getHost());
            try {
                media = path.openMedia(id);
                localSdp = path.negotiator.offer(path.settings.localAddress(), sessionId, sdpVersion, media.localPorts(),
                        media.offerCryptos(), Direction.SENDRECV);
                inviteRequest = buildInvite(requestUri);
                tx = newInviteTransaction(inviteRequest);
            } catch (ParseException | IllegalArgumentException e) {
                failEarly(0, "The meeting address is not valid: " + target.uri(), e.getMessage());
                return;
            } catch (IOException e) {
                failEarly(0, "The room's media could not start", e.toString());
                return;
            } catch (SipException e) {
                failEarly(0, CallFailures.UNREACHABLE, e.getMessage());
                return;
            } catch (RuntimeException e) { // the stack going away under a stop(), or a bug: the call ends, saying so
                failEarly(0, CallFailures.UNREACHABLE, e.toString());
                return;
            }
            ringTimer = path.scheduler.schedule(path.settings.ringTimeout(), this::onRingTimeout);
            Logger.info("call {}: dialling {} ({})", id, target.uri(), target.kind().wireName());
        }
        try {
            tx.sendRequest();
        } catch (SipException | RuntimeException e) {
            synchronized (this) {
                if (state == CallState.ENDED || tx != inviteTx) {
                    return;
                }
                // A refused TCP/TLS connection fails the send at once: the next SRV server is tried now.
                try {
                    if (hopIndex + 1 >= hops.size()) {
                        throw e;
                    }
                    nextHop("cannot reach " + hops.get(hopIndex) + " (" + e.getMessage() + ")");
                } catch (SipException | ParseException | RuntimeException ex) {
                    failEarly(0, CallFailures.UNREACHABLE, ex.getMessage());
                }
            }
        }
    }

    private void failEarly(int status, String message, String detail) {
        if (sipCallId == null) {
            sipCallId = "unsent-" + id;
            path.callsBySipId.put(sipCallId, this);
        }
        finish(CallEnd.EndedBy.NETWORK, status, message, detail);
    }

    private Request buildInvite(SipURI requestUri) throws ParseException, SipException {
        try {
            Address fromAddr = path.addresses.createAddress(path.addresses.createURI(path.settings.addressOfRecord()));
            fromAddr.setDisplayName(path.settings.displayName());
            FromHeader from = path.headers.createFromHeader(fromAddr, path.newTag());
            ToHeader to = path.headers.createToHeader(path.addresses.createAddress((URI) requestUri.clone()), null);
            CallIdHeader callId = path.headers.createCallIdHeader(sipCallId);
            CSeqHeader cseq = path.headers.createCSeqHeader(1L, Request.INVITE);
            ViaHeader via = path.headers.createViaHeader(path.settings.localAddress(), path.localPort,
                    path.settings.transport().wireName(), null);
            Request r = path.messages.createRequest(requestUri, Request.INVITE, callId, cseq, from, to,
                    new ArrayList<>(List.of(via)), path.headers.createMaxForwardsHeader(70), sdpType(),
                    localSdp.format().getBytes(StandardCharsets.UTF_8));
            addContact(r);
            addAllow(path, r);
            r.addHeader(path.headers.createHeader("Supported", "timer"));
            r.addHeader(path.headers.createHeader("Session-Expires", sessionExpiresSeconds + ";refresher=uac"));
            r.addHeader(path.headers.createHeader("Min-SE", "90"));
            r.addHeader(path.headers.createHeader("User-Agent", "Roomwire"));
            addRoute(r);
            return r;
        } catch (javax.sip.InvalidArgumentException e) {
            throw new ParseException(e.getMessage(), 0);
        }
    }

    private void addRoute(Request r) throws ParseException {
        r.removeHeader(RouteHeader.NAME);
        if (!hops.isEmpty()) {
            SipHop hop = hops.get(hopIndex);
            Address a = path.addresses.createAddress(path.addresses.createURI(hop.routeUri()));
            r.addHeader(path.headers.createRouteHeader(a));
        }
    }

    private void sendInvite(Request r) throws SipException {
        newInviteTransaction(r).sendRequest();
    }

    /** Makes {@code r} the call's current INVITE transaction (and its dialog), not yet sent. */
    private ClientTransaction newInviteTransaction(Request r) throws SipException {
        inviteTx = path.provider.getNewClientTransaction(r);
        dialog = inviteTx.getDialog();
        return inviteTx;
    }

    /** Sends the INVITE again as a new transaction (next hop, redirect, bigger session interval). */
    private void resendInvite(java.util.function.Consumer<Request> change) throws SipException, ParseException {
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
        sendInvite(r);
    }

    synchronized void onResponse(ResponseEvent e) {
        Response r = e.getResponse();
        CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
        if (cseq == null) {
            return;
        }
        int status = r.getStatusCode();
        String method = cseq.getMethod();
        if (Request.INVITE.equals(method)) {
            if (e.getClientTransaction() != null && e.getClientTransaction() == refreshTx) {
                onRefreshResponse(e, status);
            } else {
                onInviteResponse(e, status);
            }
        } else if (Request.OPTIONS.equals(method) || Request.UPDATE.equals(method)) {
            if ((status == 481 || status == 408) && state.isLive()) {
                finish(CallEnd.EndedBy.NETWORK, status, CallFailures.LOST, "keep-alive answered " + status);
            }
        }
    }

    private void onInviteResponse(ResponseEvent e, int status) {
        Response r = e.getResponse();
        if (status < 200) {
            if (status == 100) {
                return;
            }
            provisionalSeen = true;
            if (cancelRequested) {
                sendCancel();
                cancelRequested = false;
                path.awaitingAck.remove(sipCallId, this);
                return;
            }
            if (state == CallState.ENDED) {
                return;
            }
            if (status == 183 && r.getRawContent() != null && r.getRawContent().length > 0) {
                if (startMedia(r.getRawContent(), e.getDialog(), true)) {
                    fireState(CallState.EARLY_MEDIA, "Connecting... (early media, 183)");
                }
            } else if (state == CallState.DIALING) {
                // 183 without SDP is progress, not ringing (RFC 3261 21.1.5): say which one came.
                fireState(CallState.RINGING, status == 180 ? "Ringing..." : "Connecting... (" + status + " "
                        + r.getReasonPhrase() + ")");
            }
            return;
        }
        if (status < 300) {
            Dialog d = e.getDialog() != null ? e.getDialog() : dialog;
            dialog = d;
            ack(d, r);
            if (state == CallState.ENDED || cancelRequested) {
                sendInDialog(Request.BYE);
                cancelRequested = false;
                path.awaitingAck.remove(sipCallId, this);
                return;
            }
            if (state.isLive()) {
                return; // a retransmitted 200; the ACK went again
            }
            cancel(ringTimer);
            byte[] body = r.getRawContent();
            if (body == null || body.length == 0) {
                if (streams.isEmpty()) {
                    sendInDialog(Request.BYE);
                    finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.forNegotiation(NegotiationException.Reason.MALFORMED),
                            "200 OK without SDP");
                    return;
                }
            } else if (!startMedia(body, d, false)) {
                return;
            }
            readSessionTimer(r, true);
            connected("Connected");
            return;
        }
        if (state == CallState.ENDED) {
            return;
        }
        try {
            if (status >= 300 && status < 400) {
                redirect(r, status);
            } else if ((status == 401 || status == 407) && path.settings.password().isPresent()
                    && authAttempts < MAX_AUTH && e.getClientTransaction() != null) {
                Optional<String> refused = DigestScope.refusal(path.settings, r, nextHopHost());
                if (refused.isPresent()) {
                    Logger.warn("call {}: {} challenge not answered: {}", id, status, refused.get());
                    finish(CallEnd.EndedBy.REMOTE, status, refused.get(), status + " " + r.getReasonPhrase()
                            + ", realm \"" + DigestScope.realm(r) + "\"");
                    return;
                }
                authAttempts++;
                inviteTx = path.auth.handleChallenge(r, e.getClientTransaction(), path.provider, 5);
                inviteRequest = inviteTx.getRequest();
                dialog = inviteTx.getDialog();
                provisionalSeen = false;
                inviteTx.sendRequest();
            } else if (status == 422 && r.getHeader("Min-SE") != null) {
                long minSe = parseDelta(headerValue(r, "Min-SE"));
                if (minSe <= sessionExpiresSeconds || minSe > 7200) {
                    fail(status, r);
                    return;
                }
                sessionExpiresSeconds = minSe;
                resendInvite(req -> setHeader(req, "Session-Expires", minSe + ";refresher=uac"));
            } else if (status == 503 && hopIndex + 1 < hops.size()) {
                nextHop("503 from " + hops.get(hopIndex));
            } else {
                fail(status, r);
            }
        } catch (SipException | ParseException | RuntimeException ex) {
            finish(CallEnd.EndedBy.NETWORK, status, CallFailures.forStatus(status), ex.toString());
        }
    }

    /** The host the current INVITE went to: the outbound proxy, the SRV target, or the request URI's host. */
    private String nextHopHost() {
        if (path.settings.outboundProxy().isPresent()) {
            return DigestScope.hostOf(path.settings.outboundProxy().get());
        }
        return ((SipURI) inviteRequest.getRequestURI()).getHost();
    }

    private void fail(int status, Response r) {
        finish(CallEnd.EndedBy.REMOTE, status, CallFailures.forStatus(status), status + " " + r.getReasonPhrase());
    }

    private void redirect(Response r, int status) throws SipException, ParseException {
        ContactHeader c = (ContactHeader) r.getHeader(ContactHeader.NAME);
        if (c == null || redirects >= MAX_REDIRECTS || !(c.getAddress().getURI() instanceof SipURI next)) {
            fail(status, r);
            return;
        }
        Optional<String> refused = RedirectPolicy.refusal((SipURI) inviteRequest.getRequestURI(), next);
        if (refused.isPresent()) {
            Logger.warn("call {}: {}", id, refused.get());
            finish(CallEnd.EndedBy.REMOTE, status, "The gateway redirected the call elsewhere; the room does not follow"
                    + " it (" + status + ")", refused.get());
            return;
        }
        redirects++;
        Logger.info("call {}: redirected ({}) to {}", id, status, next);
        SipURI nextUri = (SipURI) next.clone();
        try {
            hops = path.settings.outboundProxy().isPresent() ? List.of()
                    : path.resolver.resolve(nextUri.getHost(), nextUri.getPort() > 0 ? OptionalInt.of(nextUri.getPort())
                    : OptionalInt.empty(), path.settings.transport());
        } catch (IOException e) {
            finish(CallEnd.EndedBy.NETWORK, status, CallFailures.NOT_FOUND, e.getMessage());
            return;
        }
        hopIndex = 0;
        path.expectTlsIdentity(hops, nextUri.getHost());
        resendInvite(req -> {
            req.setRequestURI(nextUri);
            try {
                addRoute(req);
            } catch (ParseException ex) {
                throw new IllegalArgumentException(ex);
            }
        });
    }

    /** Sends the INVITE to the next server of the SRV answer, and on past any that refuse at once. */
    private void nextHop(String why) throws SipException, ParseException {
        while (true) {
            hopIndex++;
            Logger.info("call {}: {}; trying {}", id, why, hops.get(hopIndex));
            try {
                resendInvite(req -> {
                    try {
                        addRoute(req);
                    } catch (ParseException ex) {
                        throw new IllegalArgumentException(ex);
                    }
                });
                return;
            } catch (SipException e) {
                if (hopIndex + 1 >= hops.size()) {
                    throw e;
                }
                why = "cannot reach " + hops.get(hopIndex) + " (" + e.getMessage() + ")";
            }
        }
    }

    private void ack(Dialog d, Response r) {
        try {
            CSeqHeader cseq = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
            Request ack = d.createAck(cseq.getSeqNumber());
            d.sendAck(ack);
        } catch (SipException | javax.sip.InvalidArgumentException | RuntimeException ex) {
            Logger.warn("call {}: ACK failed: {}", id, ex.toString());
        }
    }

    /** Negotiates the far end's answer and starts media; false (and the call ended) on failure. */
    private boolean startMedia(byte[] body, Dialog d, boolean early) {
        try {
            SessionDescription answer = SessionDescription.parse(body);
            List<NegotiatedStream> agreed = path.negotiator.acceptAnswer(localSdp, answer);
            media.apply(agreed);
            streams = agreed;
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
        Logger.warn("call {}: {} ({})", id, message, detail);
        if (early) {
            sendCancel();
        } else {
            dialog = d;
            sendInDialog(Request.BYE);
        }
        finish(CallEnd.EndedBy.LOCAL, 0, message, detail); // no 488 was exchanged: the answer came in a 2xx or 183
        return false;
    }

    private void sendCancel() {
        try {
            if (inviteTx != null && inviteTx.getState() == javax.sip.TransactionState.PROCEEDING) {
                Request cancel = inviteTx.createCancel();
                path.provider.getNewClientTransaction(cancel).sendRequest();
            }
        } catch (SipException | RuntimeException e) {
            Logger.debug("call {}: CANCEL not sent: {}", id, e.toString());
        }
    }

    private void onRingTimeout() {
        synchronized (this) {
            if (state == CallState.ENDED || state.isLive()) {
                return;
            }
            if (incoming) {
                rejectIncoming(Response.TEMPORARILY_UNAVAILABLE, null);
                finish(CallEnd.EndedBy.LOCAL, 480, "Missed call", "not answered in " + path.settings.ringTimeout());
            } else {
                sendCancel();
                cancelRequested = !provisionalSeen;
                finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.RING_TIMEOUT,
                        "no answer in " + path.settings.ringTimeout());
            }
        }
    }

    synchronized void onTimeout(String method, boolean server) {
        if (server && byeAfterAck) {
            byeAfterAck = false;
            sendInDialog(Request.BYE);
        }
        if (state == CallState.ENDED) {
            return;
        }
        if (Request.INVITE.equals(method) && !server && !state.isLive()) {
            if (hopIndex + 1 < hops.size()) {
                try {
                    nextHop("no answer from " + hops.get(hopIndex));
                    return;
                } catch (SipException | ParseException | RuntimeException e) {
                    Logger.debug("call {}: next hop failed: {}", id, e.toString());
                }
            }
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.TIMEOUT, "INVITE timed out (RFC 3261 timer B)");
        } else if (state.isLive()) {
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.LOST, method + " timed out");
        }
    }

    synchronized void onTransportError(String host, int port) {
        if (state == CallState.ENDED || state.isLive() || incoming) {
            return;
        }
        if (!hops.isEmpty() && hopIndex + 1 < hops.size()) {
            try {
                nextHop("transport error to " + host + ":" + port);
                return;
            } catch (SipException | ParseException | RuntimeException e) {
                Logger.debug("call {}: next hop failed: {}", id, e.toString());
            }
        }
        finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.UNREACHABLE, "transport error to " + host + ":" + port);
    }

    /**
     * The INVITE transaction ended without the call learning its outcome (the stack can lose a final
     * response when the connection closes under it): end the call rather than ring forever.
     */
    synchronized void onInviteTransactionEnded(ClientTransaction tx) {
        if (tx == inviteTx && !incoming && (state == CallState.DIALING || state == CallState.RINGING
                || state == CallState.EARLY_MEDIA)) {
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.UNREACHABLE, "INVITE transaction ended without an answer");
        }
    }

    /**
     * The stack ended a dialog with this Call-ID. Only the call's own dialog counts: an INVITE re-sent
     * after a 401/407, a 3xx, a 422 or a 503 keeps the Call-ID (RFC 3261 8.1.3.5, 22.2), and the first
     * INVITE's dialog, ended by its non-2xx answer, is reported when the stack's linger timer runs out.
     */
    synchronized void onDialogTerminated(Dialog terminated) {
        if (terminated != dialog) {
            Logger.debug("call {}: an earlier INVITE's dialog ended ({})", id, terminated.getDialogId());
            return;
        }
        if (state.isLive()) {
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.LOST, "dialog terminated by the stack");
        }
    }

    // ---- in-call ------------------------------------------------------------------------------

    private void connected(String message) {
        // Timers first: whoever sees CONNECTED (a listener, a test moving virtual time) finds them armed.
        Duration ka = path.settings.keepAliveInterval();
        if (!ka.isZero()) {
            timers.add(path.scheduler.scheduleAtFixedRate(ka, ka, () -> {
                synchronized (SipCallImpl.this) {
                    if (state.isLive()) {
                        sendInDialog(Request.OPTIONS);
                    }
                }
            }));
        }
        timers.add(path.scheduler.scheduleAtFixedRate(Duration.ofSeconds(5), Duration.ofSeconds(5), this::reportMedia));
        scheduleSessionTimer();
        if (target.kind() == JoinTarget.Kind.SIP_IVR && target.dtmf().isPresent() && !incoming) {
            String digits = target.dtmf().get();
            timers.add(path.scheduler.schedule(path.settings.dtmfDelay(), () -> sendDtmf(digits)));
        }
        fireState(CallState.CONNECTED, message);
    }

    private void reportMedia() {
        CallMedia m;
        synchronized (this) {
            if (!state.isLive() || media == null) {
                return;
            }
            m = media;
        }
        long received = m.packetsReceived();
        if (received > packetsAtLastCheck) {
            noMedia = false;
        }
        packetsAtLastCheck = received;
        path.fire(new CallEvent.Media(this, m.stats()));
    }

    void onNoMedia() {
        if (!state.isLive() && state != CallState.EARLY_MEDIA) {
            return;
        }
        noMedia = true;
        Logger.warn("call {}: no media from the far end for {} s", id, path.settings.noMediaWindow().toSeconds());
        path.fire(new CallEvent.NoMedia(this, path.settings.noMediaWindow()));
    }

    private void readSessionTimer(javax.sip.message.Message m, boolean response) {
        Header h = m.getHeader("Session-Expires");
        if (h == null) {
            sessionExpiresSeconds = 0;
            return;
        }
        String v = headerValue(m, "Session-Expires");
        long delta = parseDelta(v);
        if (delta < 90) {
            return;
        }
        sessionExpiresSeconds = delta;
        boolean uacRefreshes = !v.toLowerCase(java.util.Locale.ROOT).contains("refresher=uas");
        weRefresh = response ? uacRefreshes : !uacRefreshes;
    }

    private void scheduleSessionTimer() {
        cancel(sessionTimer);
        if (sessionExpiresSeconds <= 0) {
            return;
        }
        if (weRefresh) {
            sessionTimer = path.scheduler.schedule(Duration.ofSeconds(sessionExpiresSeconds / 2), this::refreshSession);
        } else {
            long grace = Math.min(32, sessionExpiresSeconds / 3);
            sessionTimer = path.scheduler.schedule(Duration.ofSeconds(sessionExpiresSeconds - grace), () -> {
                synchronized (SipCallImpl.this) {
                    if (state.isLive()) {
                        sendInDialog(Request.BYE);
                        finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.SESSION_EXPIRED,
                                "no session refresh in " + sessionExpiresSeconds + " s");
                    }
                }
            });
        }
    }

    /** RFC 4028 refresh: a re-INVITE with our current SDP (version bumped). */
    private synchronized void refreshSession() {
        if (!state.isLive() || dialog == null) {
            return;
        }
        try {
            localSdp = localSdp.withVersion(++sdpVersion);
            Request r = dialog.createRequest(Request.INVITE);
            addContact(r);
            r.addHeader(path.headers.createHeader("Supported", "timer"));
            r.addHeader(path.headers.createHeader("Session-Expires", sessionExpiresSeconds + ";refresher=uac"));
            r.setContent(localSdp.format().getBytes(StandardCharsets.UTF_8), sdpType());
            refreshTx = path.provider.getNewClientTransaction(r);
            dialog.sendRequest(refreshTx);
            Logger.debug("call {}: session refresh sent", id);
        } catch (SipException | ParseException | RuntimeException e) {
            Logger.warn("call {}: session refresh failed: {}", id, e.toString());
        }
        scheduleSessionTimer();
    }

    private void onRefreshResponse(ResponseEvent e, int status) {
        if (status < 200) {
            return;
        }
        if (status < 300) {
            ack(e.getDialog() != null ? e.getDialog() : dialog, e.getResponse());
            readSessionTimer(e.getResponse(), true);
            scheduleSessionTimer();
        } else if (status == 481 || status == 408) {
            finish(CallEnd.EndedBy.NETWORK, status, CallFailures.LOST, "session refresh answered " + status);
        }
    }

    /** A far-end re-INVITE or UPDATE with an offer: hold, resume, or media moved. */
    synchronized void onReinvite(ServerTransaction st, Request request) {
        try {
            if (state == CallState.ENDED || !(state.isLive() || state == CallState.EARLY_MEDIA)) {
                respond(st, Response.CALL_OR_TRANSACTION_DOES_NOT_EXIST, null);
                return;
            }
            readSessionTimer(request, false);
            byte[] body = request.getRawContent();
            Response ok = path.messages.createResponse(Response.OK, request);
            addContact(ok);
            if (request.getHeader("Session-Expires") != null) {
                ok.addHeader(path.headers.createHeader("Session-Expires", sessionExpiresSeconds
                        + (weRefresh ? ";refresher=uas" : ";refresher=uac")));
                ok.addHeader(path.headers.createHeader("Require", "timer"));
            }
            if (body != null && body.length > 0) {
                SessionDescription offer;
                try {
                    offer = SessionDescription.parse(body);
                } catch (SdpException ex) {
                    respond(st, Response.BAD_REQUEST, "Bad SDP: " + ex.getMessage());
                    return;
                }
                SdpNegotiator.Answer a;
                try {
                    a = path.negotiator.answer(offer, path.settings.localAddress(), sessionId, ++sdpVersion,
                            media.localPorts(), media::answerKey);
                } catch (NegotiationException ex) {
                    respond(st, Response.NOT_ACCEPTABLE_HERE, ex.getMessage());
                    return;
                }
                media.apply(a.streams());
                streams = a.streams();
                localSdp = a.sdp();
                ok.setContent(localSdp.format().getBytes(StandardCharsets.UTF_8), sdpType());
                boolean held = a.streams().stream().filter(s -> s.kind() == MediaKind.AUDIO)
                        .allMatch(s -> s.direction() == Direction.RECVONLY || s.direction() == Direction.INACTIVE);
                if (Request.INVITE.equals(request.getMethod())) {
                    st.sendResponse(ok);
                } else {
                    st.sendResponse(ok);
                }
                if (held && state != CallState.ON_HOLD) {
                    fireState(CallState.ON_HOLD, "The meeting put the room on hold");
                } else if (!held && state == CallState.ON_HOLD) {
                    fireState(CallState.CONNECTED, "Resumed");
                }
            } else {
                if (Request.INVITE.equals(request.getMethod())) {
                    ok.setContent(localSdp.withVersion(++sdpVersion).format().getBytes(StandardCharsets.UTF_8), sdpType());
                }
                st.sendResponse(ok);
            }
            scheduleSessionTimer();
        } catch (SipException | ParseException | IOException | javax.sip.InvalidArgumentException | RuntimeException e) {
            Logger.warn("call {}: re-INVITE not handled: {}", id, e.toString());
            respond(st, Response.SERVER_INTERNAL_ERROR, null);
        }
    }

    synchronized void onBye(ServerTransaction st, Request bye) {
        respond(st, Response.OK, null);
        if (state != CallState.ENDED) {
            // A gateway IVR that rejects the keyed-in id hangs up with Reason: SIP;cause=404.
            String reason = headerValue(bye, "Reason");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)SIP\\s*;\\s*cause\\s*=\\s*(\\d{3})").matcher(reason);
            int cause = m.find() ? Integer.parseInt(m.group(1)) : 0;
            String message = cause >= 300 ? CallFailures.forStatus(cause)
                    : state.isLive() ? "The meeting ended the call" : "The caller hung up";
            finish(CallEnd.EndedBy.REMOTE, cause, message, reason.isEmpty() ? "BYE received" : "BYE received: " + reason);
        }
    }

    synchronized void onCancel() {
        if (state == CallState.INCOMING) {
            rejectIncoming(Response.REQUEST_TERMINATED, null);
            finish(CallEnd.EndedBy.REMOTE, 487, "Missed call", "CANCEL received");
        }
    }

    private void sendInDialog(String method) {
        if (dialog == null) {
            return;
        }
        try {
            Request r = dialog.createRequest(method);
            ClientTransaction ct = path.provider.getNewClientTransaction(r);
            if (Request.BYE.equals(method)) {
                path.pendingByes.sent(ct);
            }
            try {
                dialog.sendRequest(ct);
            } catch (SipException | RuntimeException e) {
                path.pendingByes.ended(ct);
                throw e;
            }
        } catch (SipException | RuntimeException e) {
            Logger.warn("call {}: {} not sent: {}", id, method, e.toString());
        }
    }

    // ---- incoming -----------------------------------------------------------------------------

    private String toTag;
    private boolean ackReceived;
    private boolean byeAfterAck;

    /** The caller's ACK for our 200: the dialog is confirmed; a hang-up waiting for it goes out now. */
    synchronized void onAck() {
        ackReceived = true;
        if (byeAfterAck) {
            byeAfterAck = false;
            sendInDialog(Request.BYE);
        }
    }

    static SipCallImpl incoming(SipJoinPath path, ServerTransaction st, Request invite, SessionDescription offer,
                                String callerName, String callerUri) throws IOException, NegotiationException {
        SipCallImpl c = new SipCallImpl(path, true, new JoinTarget(JoinTarget.Kind.SIP, callerUri, "sip", Optional.empty(),
                "incoming"), callerName);
        c.state = CallState.INCOMING;
        c.serverTx = st;
        c.sipCallId = ((CallIdHeader) invite.getHeader(CallIdHeader.NAME)).getCallId();
        c.remoteOffer = offer;
        c.toTag = path.newTag();
        c.media = path.openMedia(c.id);
        try {
            // Fail fast with 488 before ringing the room when nothing in the offer is usable.
            path.negotiator.answer(offer, path.settings.localAddress(), c.sessionId, c.sdpVersion, c.media.localPorts(),
                    c.media::answerKey);
        } catch (NegotiationException e) {
            c.media.close();
            throw e;
        }
        c.dialog = st.getDialog();
        Header se = invite.getHeader("Session-Expires");
        if (se != null) {
            long d = parseDelta(headerValue(invite, "Session-Expires"));
            c.sessionExpiresSeconds = d >= 90 ? d : c.sessionExpiresSeconds;
        } else {
            c.sessionExpiresSeconds = 0;
        }
        path.callsBySipId.put(c.sipCallId, c);
        return c;
    }

    synchronized void ring() {
        try {
            Response ringing = path.messages.createResponse(Response.RINGING, serverTx.getRequest());
            ((ToHeader) ringing.getHeader(ToHeader.NAME)).setTag(toTag);
            addContact(ringing);
            serverTx.sendResponse(ringing);
        } catch (SipException | ParseException | javax.sip.InvalidArgumentException e) {
            Logger.warn("call {}: 180 not sent: {}", id, e.toString());
        }
        Logger.info("call {}: incoming from {}", id, remoteName);
        path.fire(new CallEvent.Incoming(this));
        path.emit("call.incoming", "call", id, "from", target.uri());
        ringTimer = path.scheduler.schedule(path.settings.ringTimeout(), this::onRingTimeout);
        if (IncomingCallPolicy.autoAnswers(path.settings.autoAnswerFrom(), path.settings.autoAnswer(), target.uri())) {
            answer();
        }
    }

    private void rejectIncoming(int status, String warning) {
        if (serverTx == null) {
            return;
        }
        try {
            Response r = path.messages.createResponse(status, serverTx.getRequest());
            ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(toTag);
            if (warning != null) {
                r.addHeader(path.headers.createHeader("Warning", "399 roomwire \"" + warning.replace('"', '\'') + "\""));
            }
            serverTx.sendResponse(r);
        } catch (SipException | ParseException | javax.sip.InvalidArgumentException | RuntimeException e) {
            Logger.debug("call {}: {} not sent: {}", id, status, e.toString());
        }
    }

    private void respond(ServerTransaction st, int status, String warning) {
        Inbound.respond(path, st, status, warning);
    }

    // ---- common -------------------------------------------------------------------------------

    private void addContact(javax.sip.message.Message m) throws ParseException {
        SipURI contact = path.addresses.createSipURI(path.settings.user(), path.settings.localAddress());
        contact.setPort(path.localPort);
        contact.setTransportParam(path.settings.transport().wireName());
        m.removeHeader(ContactHeader.NAME);
        m.addHeader(path.headers.createContactHeader(path.addresses.createAddress(contact)));
    }

    static void addAllow(SipJoinPath path, javax.sip.message.Message m) throws ParseException {
        for (String method : ALLOW.split(",\\s*")) {
            m.addHeader(path.headers.createAllowHeader(method));
        }
    }

    private ContentTypeHeader sdpType() throws ParseException {
        return path.headers.createContentTypeHeader("application", "sdp");
    }

    private void setHeader(Request r, String name, String value) {
        try {
            r.removeHeader(name);
            r.addHeader(path.headers.createHeader(name, value));
        } catch (ParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String headerValue(javax.sip.message.Message m, String name) {
        Header h = m.getHeader(name);
        if (h == null) {
            return "";
        }
        String s = h.toString().trim();
        int colon = s.indexOf(':');
        return colon < 0 ? s : s.substring(colon + 1).trim();
    }

    static long parseDelta(String v) {
        String n = v.split(";")[0].trim();
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void fireState(CallState s, String message) {
        state = s;
        Logger.info("call {}: {}", id, message);
        path.fire(new CallEvent.StateChanged(this, s, message));
    }

    private static void cancel(Scheduler.Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }

    /** Ends the call once: timers, media, events. */
    private void finish(CallEnd.EndedBy by, int status, String message, String detail) {
        if (state == CallState.ENDED) {
            return;
        }
        boolean inviteOpen = !incoming && inviteTx != null && status < 300 && (state == CallState.DIALING
                || state == CallState.RINGING || state == CallState.EARLY_MEDIA);
        end = new CallEnd(by, status, message, detail);
        cancel(ringTimer);
        cancel(sessionTimer);
        timers.forEach(SipCallImpl::cancel);
        timers.clear();
        if (media != null) {
            finalStats = media.stats();
            media.close();
        }
        if (sipCallId != null) {
            path.callsBySipId.remove(sipCallId, this);
            if (byeAfterAck || inviteOpen) {
                path.awaitingAck.put(sipCallId, this); // a late 1xx gets CANCEL, a late 2xx ACK and BYE
            }
        }
        state = CallState.ENDED;
        Logger.info("call {}: ended by {}: {} ({})", id, by, message, detail);
        path.fire(new CallEvent.StateChanged(this, CallState.ENDED, message));
        path.fire(new CallEvent.Ended(this, end));
    }

    /** Stop of the join path: end the call as a hang-up would. */
    synchronized void shutdown() {
        if (state == CallState.INCOMING) {
            rejectIncoming(Response.TEMPORARILY_UNAVAILABLE, null);
            finish(CallEnd.EndedBy.LOCAL, 480, "Call ended", "SIP stopped");
        } else {
            hangUp();
        }
    }

}
