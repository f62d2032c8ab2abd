package io.roomwire.sip.ua;

import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.CallEnd;
import java.text.ParseException;
import java.time.Duration;
import java.util.Locale;
import javax.sip.ClientTransaction;
import javax.sip.Dialog;
import javax.sip.ResponseEvent;
import javax.sip.SipException;
import javax.sip.message.Message;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * RFC 4028 session timers of one call: the interval and who refreshes, the refresh re-INVITE when it
 * is us, and the BYE when the far end lets the session expire. Used under the call's lock.
 */
final class SessionTimer {

    /** The smallest interval RFC 4028 section 4 allows. */
    static final long MIN_SE = 90;

    private final SipCallImpl call;
    private final UserAgent ua;
    private long expiresSeconds;
    private boolean weRefresh;
    private ClientTransaction refreshTx;
    private Scheduler.Cancellable timer;

    SessionTimer(SipCallImpl call, UserAgent ua) {
        this.call = call;
        this.ua = ua;
        this.expiresSeconds = ua.settings.sessionExpires().toSeconds();
    }

    long expiresSeconds() {
        return expiresSeconds;
    }

    /** Supported/Session-Expires/Min-SE of our INVITE: we offer to refresh (RFC 4028 7.1). */
    void addToInvite(Request r) throws ParseException {
        r.addHeader(ua.messages.headers.createHeader("Supported", "timer"));
        r.addHeader(ua.messages.headers.createHeader("Session-Expires", expiresSeconds + ";refresher=uac"));
        r.addHeader(ua.messages.headers.createHeader("Min-SE", String.valueOf(MIN_SE)));
    }

    /** An incoming INVITE's interval; none when it asks for no timer (RFC 4028 9). */
    void readIncoming(Request invite) {
        if (invite.getHeader("Session-Expires") == null) {
            expiresSeconds = 0;
            return;
        }
        long d = SipMessages.parseDelta(SipMessages.headerValue(invite, "Session-Expires"));
        expiresSeconds = d >= MIN_SE ? d : expiresSeconds;
    }

    /** Our 200 to an incoming INVITE: the caller refreshes (RFC 4028 9). */
    void addToAnswer(Response ok, Request invite) throws ParseException {
        ok.addHeader(ua.messages.headers.createHeader("Supported", "timer"));
        if (expiresSeconds > 0 && invite.getHeader("Session-Expires") != null) {
            ok.addHeader(ua.messages.headers.createHeader("Session-Expires", expiresSeconds + ";refresher=uac"));
            ok.addHeader(ua.messages.headers.createHeader("Require", "timer"));
            weRefresh = false;
        }
    }

    /** Our 200 to a far-end re-INVITE or UPDATE, after {@link #read} of it. */
    void addToReinviteAnswer(Response ok, Request request) throws ParseException {
        if (request.getHeader("Session-Expires") != null) {
            ok.addHeader(ua.messages.headers.createHeader("Session-Expires", expiresSeconds
                    + (weRefresh ? ";refresher=uas" : ";refresher=uac")));
            ok.addHeader(ua.messages.headers.createHeader("Require", "timer"));
        }
    }

    /** Reads the interval and refresher from a 2xx ({@code response}) or a far-end request. */
    void read(Message m, boolean response) {
        if (m.getHeader("Session-Expires") == null) {
            expiresSeconds = 0;
            return;
        }
        String v = SipMessages.headerValue(m, "Session-Expires");
        long delta = SipMessages.parseDelta(v);
        if (delta < MIN_SE) {
            return;
        }
        expiresSeconds = delta;
        boolean uacRefreshes = !v.toLowerCase(Locale.ROOT).contains("refresher=uas");
        weRefresh = response ? uacRefreshes : !uacRefreshes;
    }

    /**
     * A 422 with Min-SE (RFC 4028 6): true when the INVITE should go again with the larger interval
     * now set; false when the gateway asks for less than we offered or more than two hours.
     */
    boolean acceptMinSe(Response r) {
        long minSe = SipMessages.parseDelta(SipMessages.headerValue(r, "Min-SE"));
        if (minSe <= expiresSeconds || minSe > 7200) {
            return false;
        }
        expiresSeconds = minSe;
        return true;
    }

    String sessionExpiresValue() {
        return expiresSeconds + ";refresher=uac";
    }

    /** (Re)arms the timer: a refresh at half the interval, or a BYE shortly before it expires (RFC 4028 10). */
    void schedule() {
        cancel();
        if (expiresSeconds <= 0) {
            return;
        }
        if (weRefresh) {
            timer = ua.scheduler.schedule(Duration.ofSeconds(expiresSeconds / 2), this::refresh);
        } else {
            long grace = Math.min(32, expiresSeconds / 3);
            timer = ua.scheduler.schedule(Duration.ofSeconds(expiresSeconds - grace), () -> {
                synchronized (call) {
                    if (call.state().isLive()) {
                        call.dialogRequests().send(Request.BYE);
                        call.finish(CallEnd.EndedBy.NETWORK, 0, CallFailures.SESSION_EXPIRED,
                                "no session refresh in " + expiresSeconds + " s");
                    }
                }
            });
        }
    }

    void cancel() {
        if (timer != null) {
            timer.cancel();
        }
    }

    boolean owns(ClientTransaction tx) {
        return tx != null && tx == refreshTx;
    }

    /** RFC 4028 refresh: a re-INVITE with our current SDP (version bumped). */
    private void refresh() {
        synchronized (call) {
            Dialog dialog = call.dialogRequests().dialog();
            if (!call.state().isLive() || dialog == null) {
                return;
            }
            try {
                byte[] sdp = call.session().repeated();
                Request r = dialog.createRequest(Request.INVITE);
                ua.messages.addContact(r);
                r.addHeader(ua.messages.headers.createHeader("Supported", "timer"));
                r.addHeader(ua.messages.headers.createHeader("Session-Expires", sessionExpiresValue()));
                r.setContent(sdp, ua.messages.sdpType());
                refreshTx = ua.provider.getNewClientTransaction(r);
                dialog.sendRequest(refreshTx);
                Logger.debug("call {}: session refresh sent", call.id());
            } catch (SipException | ParseException | RuntimeException e) {
                Logger.warn("call {}: session refresh failed: {}", call.id(), e.toString());
            }
            schedule();
        }
    }

    void onRefreshResponse(ResponseEvent e, int status) {
        if (status < 200) {
            return;
        }
        if (status < 300) {
            call.dialogRequests().ack(e.getDialog() != null ? e.getDialog() : call.dialogRequests().dialog(),
                    e.getResponse());
            read(e.getResponse(), true);
            schedule();
        } else if (status == 481 || status == 408) {
            call.finish(CallEnd.EndedBy.NETWORK, status, CallFailures.LOST, "session refresh answered " + status);
        }
    }
}
