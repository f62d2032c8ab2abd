package io.roomwire.sip.ua;

import io.roomwire.core.health.Health;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.OptionalInt;
import javax.sip.ClientTransaction;
import javax.sip.ResponseEvent;
import javax.sip.address.Address;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ExpiresHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * Keeps the room registered: REGISTER with digest auth on 401/407, refresh before expiry, and
 * after any failure (registrar gone, timeout, rejection) try again with jittered back-off, forever.
 */
public final class Registration {

    /** Where registration stands. */
    public enum State { REGISTERING, REGISTERED, RETRYING, STOPPED }

    private static final Duration RETRY_BASE = Duration.ofSeconds(2);
    private static final Duration RETRY_CAP = Duration.ofMinutes(5);
    /** A registrar that takes this long to answer counts as gone (the transaction layer alone may wait 32 s). */
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(16);

    private final UserAgent ua;
    private final Backoff backoff;
    private final String callId;
    private long cseq = 1;
    private volatile State state = State.REGISTERING;
    private volatile String lastError = "";
    private ClientTransaction pending;
    private int authTries;
    private Scheduler.Cancellable timer;
    private Scheduler.Cancellable guard;
    private volatile boolean stopped;
    private volatile int lastHopPort;

    Registration(UserAgent ua) {
        this.ua = ua;
        this.backoff = new Backoff(RETRY_BASE, RETRY_CAP, ua.random);
        this.callId = ua.provider.getNewCallId().getCallId();
    }

    public State state() {
        return state;
    }

    boolean owns(String id) {
        return callId.equals(id);
    }

    Health health() {
        return switch (state) {
            case REGISTERED, STOPPED -> Health.up();
            case REGISTERING -> Health.degraded("registering with " + ua.settings.registrar().orElse("?"));
            case RETRYING -> Health.degraded("not registered with " + ua.settings.registrar().orElse("?")
                    + ": " + lastError);
        };
    }

    synchronized void start() {
        send(ua.settings.registerExpires());
    }

    synchronized void stop() {
        stopped = true;
        if (timer != null) {
            timer.cancel();
        }
        if (state == State.REGISTERED) {
            send(Duration.ZERO); // best effort unregister; the reply is not awaited
        }
        state = State.STOPPED;
    }

    private void send(Duration expires) {
        try {
            Request r = build(expires);
            authTries = 0;
            pending = ua.provider.getNewClientTransaction(r);
            armGuard();
            pending.sendRequest();
            Logger.debug("REGISTER sent to {} (expires {} s)", ua.settings.registrar().orElse("?"), expires.toSeconds());
        } catch (Exception e) {
            onFailure("REGISTER could not be sent: " + e.getMessage());
        }
    }

    private Request build(Duration expires) throws ParseException, javax.sip.InvalidArgumentException,
            java.io.IOException {
        SipHop registrar = ua.hopFor(ua.settings.registrar().orElseThrow());
        SipURI requestUri = ua.messages.addresses.createSipURI(null, ua.settings.domain());
        if (ua.settings.transport() == io.roomwire.sip.SipTransport.TLS) {
            requestUri.setSecure(true);
        }
        Address aor = ua.messages.addresses.createAddress(ua.messages.addresses.createURI(ua.settings.addressOfRecord()));
        aor.setDisplayName(ua.settings.displayName());
        FromHeader from = ua.messages.headers.createFromHeader(aor, ua.newTag());
        ToHeader to = ua.messages.headers.createToHeader(ua.messages.addresses.createAddress(
                ua.messages.addresses.createURI(ua.settings.addressOfRecord())), null);
        CallIdHeader cid = ua.messages.headers.createCallIdHeader(callId);
        CSeqHeader cs = ua.messages.headers.createCSeqHeader(cseq++, Request.REGISTER);
        ViaHeader via = ua.messages.headers.createViaHeader(ua.settings.localAddress(), ua.localPort,
                ua.settings.transport().wireName(), null);
        List<ViaHeader> vias = new ArrayList<>(List.of(via));
        Request r = ua.messages.factory.createRequest(requestUri, Request.REGISTER, cid, cs, from, to, vias,
                ua.messages.headers.createMaxForwardsHeader(70));
        SipURI contact = ua.messages.addresses.createSipURI(ua.settings.user(), ua.settings.localAddress());
        contact.setPort(ua.localPort);
        contact.setTransportParam(ua.settings.transport().wireName());
        ContactHeader ch = ua.messages.headers.createContactHeader(ua.messages.addresses.createAddress(contact));
        r.addHeader(ch);
        r.addHeader(ua.messages.headers.createExpiresHeader((int) expires.toSeconds()));
        r.addHeader(ua.messages.headers.createHeader("User-Agent", "Roomwire"));
        if (ua.settings.outboundProxy().isEmpty()) {
            List<SipHop> hops = ua.resolver.resolve(registrar.host(), OptionalInt.of(registrar.port()),
                    ua.settings.transport());
            r.addHeader(ua.messages.headers.createRouteHeader(ua.messages.addresses.createAddress(
                    ua.messages.addresses.createURI(hops.get(0).routeUri()))));
            lastHopPort = hops.get(0).port();
        } else {
            lastHopPort = ua.hopFor(ua.settings.outboundProxy().get()).port();
        }
        return r;
    }

    synchronized void onResponse(ResponseEvent e) {
        if (stopped) {
            return;
        }
        Response r = e.getResponse();
        int status = r.getStatusCode();
        if (status < 200) {
            return;
        }
        if (guard != null) {
            guard.cancel();
        }
        if (status < 300) {
            long granted = grantedExpiry(r);
            authTries = 0;
            backoff.reset();
            if (state != State.REGISTERED) {
                Logger.info("registered with {} for {} s", ua.settings.registrar().orElse("?"), granted);
                ua.emit("sip.registration", "state", "registered", "registrar", ua.settings.registrar().orElse(""));
            }
            state = State.REGISTERED;
            lastError = "";
            long refresh = granted > 120 ? granted - 60 : Math.max(1, granted / 2);
            schedule(Duration.ofSeconds(refresh));
            return;
        }
        if ((status == 401 || status == 407) && authTries < 2 && e.getClientTransaction() != null) {
            authTries++;
            try {
                pending = ua.auth.handleChallenge(r, e.getClientTransaction(), ua.provider, 5);
                armGuard();
                CSeqHeader cs = (CSeqHeader) pending.getRequest().getHeader(CSeqHeader.NAME);
                cseq = cs.getSeqNumber() + 1;
                pending.sendRequest();
                return;
            } catch (Exception ex) {
                onFailure("digest authentication failed: " + ex.getMessage());
                return;
            }
        }
        if (status == 401 || status == 407) {
            onFailure("the registrar rejected the credentials (" + status + "): check sip.auth-user and sip.password");
        } else if (status == 423 && r.getHeader("Min-Expires") != null) {
            long min = SipMessages.parseDelta(SipMessages.headerValue(r, "Min-Expires"));
            send(Duration.ofSeconds(Math.max(min, ua.settings.registerExpires().toSeconds())));
        } else {
            onFailure("the registrar answered " + status + " " + r.getReasonPhrase());
        }
    }

    private long grantedExpiry(Response r) {
        long granted = -1;
        ListIterator<?> it = r.getHeaders(ContactHeader.NAME);
        while (it.hasNext()) {
            ContactHeader c = (ContactHeader) it.next();
            if (c.getExpires() >= 0 && c.getAddress().getURI() instanceof SipURI u
                    && ua.settings.user().equals(u.getUser())) {
                granted = c.getExpires();
            }
        }
        ExpiresHeader eh = (ExpiresHeader) r.getHeader(ExpiresHeader.NAME);
        if (granted < 0 && eh != null) {
            granted = eh.getExpires();
        }
        return granted > 0 ? granted : ua.settings.registerExpires().toSeconds();
    }

    synchronized void onFailure(String why) {
        if (stopped) {
            return;
        }
        lastError = why;
        pending = null;
        if (guard != null) {
            guard.cancel();
        }
        Duration wait = backoff.next();
        if (state != State.RETRYING) {
            ua.emit("sip.registration", "state", "retrying", "reason", why);
        }
        state = State.RETRYING;
        Logger.warn("registration failed ({}); retrying in {} ms", why, wait.toMillis());
        schedule(wait);
    }

    synchronized void onTransportError(String host, int port) {
        if (pending != null && port == lastHopPort) {
            onFailure("cannot reach the registrar at " + host + ":" + port);
        }
    }

    private void armGuard() {
        if (guard != null) {
            guard.cancel();
        }
        ClientTransaction sent = pending;
        guard = ua.scheduler.schedule(RESPONSE_TIMEOUT, () -> {
            synchronized (Registration.this) {
                if (pending == sent && !stopped) {
                    onFailure("no answer from the registrar in " + RESPONSE_TIMEOUT.toSeconds() + " s");
                }
            }
        });
    }

    private void schedule(Duration d) {
        if (timer != null) {
            timer.cancel();
        }
        timer = ua.scheduler.schedule(d, () -> {
            synchronized (Registration.this) {
                if (!stopped) {
                    send(ua.settings.registerExpires());
                }
            }
        });
    }
}
