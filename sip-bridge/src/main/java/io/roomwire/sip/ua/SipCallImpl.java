package io.roomwire.sip.ua;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.sdp.NegotiationException;
import io.roomwire.sip.sdp.SessionDescription;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * One call: its state, the {@link Call} API, and the routing of the stack's events to the part that
 * handles them ({@link OutgoingDial}, {@link IncomingCall}, {@link DialogRequests}, {@link SessionTimer},
 * {@link MediaSession}). Every entry point holds the call's lock; the parts run under it.
 */
final class SipCallImpl implements Call {

    private static final AtomicInteger IDS = new AtomicInteger();

    private final UserAgent ua;
    private final String id;
    private final JoinTarget target;
    private final Instant startedAt;
    private final long sessionId;
    private final String remoteName;
    private final DialogRequests dialog;
    private final SessionTimer sessionTimer;
    /** Set for an outgoing call, else {@link #inbound}. */
    private final OutgoingDial outgoing;
    private final IncomingCall inbound;
    private volatile CallState state;
    private volatile CallEnd end;
    private String sipCallId;
    private volatile MediaSession session;
    private volatile boolean noMedia;
    private long packetsAtLastCheck;
    private final List<Scheduler.Cancellable> timers = new ArrayList<>();
    private Scheduler.Cancellable ringTimer;
    /** The gateway profile an outgoing call follows (set by {@link OutgoingDial#begin}); none for an incoming one. */
    private GatewayProfile profile;

    private SipCallImpl(UserAgent ua, JoinTarget target, String remoteName, ServerTransaction st,
                        SessionDescription offer) {
        this.ua = ua;
        this.id = "call-" + IDS.incrementAndGet();
        this.target = target;
        this.remoteName = remoteName;
        this.startedAt = ua.scheduler.now();
        this.sessionId = ua.random.nextLong(1, Long.MAX_VALUE / 2);
        this.dialog = new DialogRequests(this, ua);
        this.sessionTimer = new SessionTimer(this, ua);
        this.outgoing = st == null ? new OutgoingDial(this, ua) : null;
        this.inbound = st == null ? null : new IncomingCall(this, ua, st, offer);
        this.state = st == null ? CallState.DIALING : CallState.INCOMING;
    }

    static SipCallImpl outgoing(UserAgent ua, JoinTarget target) {
        return new SipCallImpl(ua, target, target.uri(), null, null);
    }

    /** A new incoming call, not yet ringing; fails fast (488) when nothing in the offer is usable. */
    static SipCallImpl incoming(UserAgent ua, ServerTransaction st, Request invite, SessionDescription offer,
                                String callerName, String callerUri) throws IOException, NegotiationException {
        SipCallImpl c = new SipCallImpl(ua, new JoinTarget(JoinTarget.Kind.SIP, callerUri, "sip", Optional.empty(),
                "incoming"), callerName, st, offer);
        MediaSession s = c.openSession();
        try {
            s.checkAnswerable(offer);
        } catch (NegotiationException e) {
            s.close();
            throw e;
        }
        c.dialog.use(st.getDialog());
        c.sessionTimer.readIncoming(invite);
        c.register(((CallIdHeader) invite.getHeader(CallIdHeader.NAME)).getCallId());
        return c;
    }

    // ---- Call ---------------------------------------------------------------------------------

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean incoming() {
        return inbound != null;
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
        MediaSession s = session;
        return s == null ? MediaStats.none() : s.stats();
    }

    Health health() {
        return noMedia && state.isLive() ? Health.degraded("no media on " + id + " for "
                + ua.settings.noMediaWindow().toSeconds() + " s") : Health.up();
    }

    @Override
    public synchronized void hangUp() {
        switch (state) {
            case ENDED -> {
            }
            case INCOMING -> decline();
            case DIALING, RINGING, EARLY_MEDIA -> {
                outgoing.hangUp();
                finish(CallEnd.EndedBy.LOCAL, 0, "Call cancelled", "hung up before answer");
            }
            case CONNECTED, ON_HOLD -> {
                if (inbound != null) {
                    inbound.hangUp();
                } else {
                    dialog.send(Request.BYE);
                }
                finish(CallEnd.EndedBy.LOCAL, 0, "Call ended", "BYE sent");
            }
        }
    }

    @Override
    public void sendDtmf(String digits) {
        sendDtmf(digits, ua.settings.dtmfGap());
    }

    private synchronized void sendDtmf(String digits, Duration gap) {
        if (!state.isLive() || session == null || digits == null || digits.isEmpty()) {
            return;
        }
        if (!digits.matches("[0-9*#A-Da-d]{1,64}")) {
            Logger.warn("call {}: DTMF ignored: only 0-9, *, # and A-D can be sent", id);
            return;
        }
        boolean sent = session.sendDtmf(digits.toUpperCase(java.util.Locale.ROOT), ua.settings.dtmfToneLength(), gap);
        Logger.info("call {}: {} DTMF digits {}", id, digits.length(), sent ? "queued" : "not sent (no telephone-event)");
        ua.emit("call.dtmf", "call", id, "digits", digits.length(), "sent", sent);
    }

    @Override
    public synchronized void answer() {
        if (inbound != null) {
            inbound.answer();
        }
    }

    @Override
    public synchronized void decline() {
        if (state != CallState.INCOMING) {
            return;
        }
        inbound.reject(Response.DECLINE, null);
        finish(CallEnd.EndedBy.LOCAL, 603, "The call was declined", "declined in the room");
    }

    // ---- the parts' view of the call (under its lock) --------------------------------------------

    DialogRequests dialogRequests() {
        return dialog;
    }

    SessionTimer sessionTimer() {
        return sessionTimer;
    }

    MediaSession session() {
        return session;
    }

    void profile(GatewayProfile p) {
        profile = p;
    }

    MediaSession openSession() throws IOException {
        session = new MediaSession(profile == null ? ua.negotiator : ua.negotiatorFor(profile),
                ua.settings.localAddress(), sessionId, ua.openMedia(id));
        return session;
    }

    String sipCallId() {
        return sipCallId;
    }

    /** Files the call under its Call-ID, where the stack's events find it. */
    void register(String callId) {
        sipCallId = callId;
        ua.callsBySipId.put(callId, this);
    }

    void startRingTimer() {
        ringTimer = ua.scheduler.schedule(ua.settings.ringTimeout(), this::onRingTimeout);
    }

    void stopRingTimer() {
        cancel(ringTimer);
    }

    void fireState(CallState s, String message) {
        state = s;
        Logger.info("call {}: {}", id, message);
        ua.fire(new CallEvent.StateChanged(this, s, message));
    }

    /** Ends a call that never reached the network (or lost it before an answer). */
    void failEarly(int status, String message, String detail) {
        if (sipCallId == null) {
            register("unsent-" + id);
        }
        finish(CallEnd.EndedBy.NETWORK, status, message, detail);
    }

    /** Answered, either way: keep-alive, media reports, session timer, the IVR digits, then CONNECTED. */
    void connected(String message) {
        // Timers first: whoever sees CONNECTED (a listener, a test moving virtual time) finds them armed.
        Duration ka = ua.settings.keepAliveInterval();
        if (!ka.isZero()) {
            timers.add(dialog.keepAlive(ka));
        }
        timers.add(ua.scheduler.scheduleAtFixedRate(Duration.ofSeconds(5), Duration.ofSeconds(5), this::reportMedia));
        sessionTimer.schedule();
        if (target.kind() == JoinTarget.Kind.SIP_IVR && target.dtmf().isPresent() && inbound == null) {
            String digits = target.dtmf().get();
            GatewayProfile.DtmfTiming timing = ua.dtmfTiming(profile);
            timers.add(ua.scheduler.schedule(timing.initialDelay(), () -> sendDtmf(digits, timing.interDigitGap())));
        }
        fireState(CallState.CONNECTED, message);
    }

    /** Ends the call once: timers, media, events. */
    void finish(CallEnd.EndedBy by, int status, String message, String detail) {
        if (state == CallState.ENDED) {
            return;
        }
        boolean inviteOpen = outgoing != null && outgoing.inviteSent() && status < 300 && (state == CallState.DIALING
                || state == CallState.RINGING || state == CallState.EARLY_MEDIA);
        end = new CallEnd(by, status, message, detail);
        cancel(ringTimer);
        sessionTimer.cancel();
        timers.forEach(SipCallImpl::cancel);
        timers.clear();
        if (session != null) {
            session.close();
        }
        if (sipCallId != null) {
            ua.callsBySipId.remove(sipCallId, this);
            if ((inbound != null && inbound.owesBye()) || inviteOpen) {
                ua.awaitingAck.put(sipCallId, this); // a late 1xx gets CANCEL, a late 2xx ACK and BYE
            }
        }
        state = CallState.ENDED;
        Logger.info("call {}: ended by {}: {} ({})", id, by, message, detail);
        ua.fire(new CallEvent.StateChanged(this, CallState.ENDED, message));
        ua.fire(new CallEvent.Ended(this, end));
    }

    // ---- from the stack and the user agent ------------------------------------------------------

    /** Dialling, part 1 (see {@link OutgoingDial#begin}). */
    synchronized boolean begin() {
        return outgoing.begin(target);
    }

    /** Dialling, part 2, on the dial thread (see {@link OutgoingDial#connect}). */
    void connect() {
        outgoing.connect();
    }

    synchronized void ring() {
        inbound.ring();
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
            if (sessionTimer.owns(e.getClientTransaction())) {
                sessionTimer.onRefreshResponse(e, status);
            } else if (outgoing != null) {
                outgoing.onResponse(e, status);
            }
        } else if (Request.OPTIONS.equals(method) || Request.UPDATE.equals(method)) {
            if ((status == 481 || status == 408) && state.isLive()) {
                finish(CallEnd.EndedBy.NETWORK, status, CallFailures.LOST, "keep-alive answered " + status);
            }
        }
    }

    private void onRingTimeout() {
        synchronized (this) {
            if (state == CallState.ENDED || state.isLive()) {
                return;
            }
            if (inbound != null) {
                inbound.reject(Response.TEMPORARILY_UNAVAILABLE, null);
                finish(CallEnd.EndedBy.LOCAL, 480, "Missed call", "not answered in " + ua.settings.ringTimeout());
            } else {
                outgoing.ringTimedOut();
                finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.RING_TIMEOUT, "no answer in " + ua.settings.ringTimeout());
            }
        }
    }

    synchronized void onTimeout(String method, boolean server) {
        if (server && inbound != null) {
            inbound.onNoAck();
        }
        if (state == CallState.ENDED) {
            return;
        }
        if (Request.INVITE.equals(method) && !server && !state.isLive()) {
            if (outgoing != null && outgoing.failOver("no answer from " + outgoing.currentHop())) {
                return;
            }
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.TIMEOUT, "INVITE timed out (RFC 3261 timer B)");
        } else if (state.isLive()) {
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.LOST, method + " timed out");
        }
    }

    synchronized void onTransportError(String host, int port) {
        if (state == CallState.ENDED || state.isLive() || inbound != null) {
            return;
        }
        if (outgoing.failOver("transport error to " + host + ":" + port)) {
            return;
        }
        finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.UNREACHABLE, "transport error to " + host + ":" + port);
    }

    /**
     * The INVITE transaction ended without the call learning its outcome (the stack can lose a final
     * response when the connection closes under it): end the call rather than ring forever.
     */
    synchronized void onInviteTransactionEnded(ClientTransaction tx) {
        if (outgoing != null && outgoing.isCurrent(tx) && (state == CallState.DIALING || state == CallState.RINGING
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
        if (terminated != dialog.dialog()) {
            Logger.debug("call {}: an earlier INVITE's dialog ended ({})", id, terminated.getDialogId());
            return;
        }
        if (state.isLive()) {
            finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.LOST, "dialog terminated by the stack");
        }
    }

    synchronized void onReinvite(ServerTransaction st, Request request) {
        dialog.onReinvite(st, request);
    }

    synchronized void onBye(ServerTransaction st, Request bye) {
        dialog.onBye(st, bye);
    }

    synchronized void onCancel() {
        if (state == CallState.INCOMING) {
            inbound.reject(Response.REQUEST_TERMINATED, null);
            finish(CallEnd.EndedBy.REMOTE, 487, "Missed call", "CANCEL received");
        }
    }

    synchronized void onAck() {
        if (inbound != null) {
            inbound.onAck();
        }
    }

    private void reportMedia() {
        MediaSession s;
        synchronized (this) {
            if (!state.isLive() || session == null) {
                return;
            }
            s = session;
        }
        long received = s.packetsReceived();
        if (received > packetsAtLastCheck) {
            noMedia = false;
        }
        packetsAtLastCheck = received;
        ua.fire(new CallEvent.Media(this, s.stats()));
    }

    void onNoMedia() {
        if (!state.isLive() && state != CallState.EARLY_MEDIA) {
            return;
        }
        noMedia = true;
        Logger.warn("call {}: no media from the far end for {} s", id, ua.settings.noMediaWindow().toSeconds());
        ua.fire(new CallEvent.NoMedia(this, ua.settings.noMediaWindow()));
    }

    /** Stop of the join path: end the call as a hang-up would. */
    synchronized void shutdown() {
        if (state == CallState.INCOMING) {
            inbound.reject(Response.TEMPORARILY_UNAVAILABLE, null);
            finish(CallEnd.EndedBy.LOCAL, 480, "Call ended", "SIP stopped");
        } else {
            hangUp();
        }
    }

    private static void cancel(Scheduler.Cancellable c) {
        if (c != null) {
            c.cancel();
        }
    }
}
