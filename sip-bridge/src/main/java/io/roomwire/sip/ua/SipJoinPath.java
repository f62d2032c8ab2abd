package io.roomwire.sip.ua;

import gov.nist.javax.sip.SipStackImpl;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.JoinPath;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.dialplan.GatewayProfiles;
import io.roomwire.sip.sdp.MediaCapabilities;
import io.roomwire.sip.sdp.SdpNegotiator;
import io.roomwire.sip.ua.internal.CallMedia;
import io.roomwire.sip.ua.internal.RelayCallMedia;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import javax.sip.Dialog;
import org.tinylog.Logger;

/**
 * The SIP join path on jain-sip-ri: a user agent over UDP, TCP or TLS (our own TLS socket layer),
 * optional registration with digest auth and forever re-registration, outgoing calls with
 * SDP/SDES offers, incoming calls (reported as {@link CallEvent.Incoming}; the agent shows them), and media through {@code MediaRelay}.
 *
 * <pre>{@code
 * SipJoinPath sip = SipJoinPath.builder(settings, scheduler).codec(device.codec())
 *         .events(hub).sslContext(ctx).build();
 * sip.start();
 * Call call = sip.dial(target);
 * }</pre>
 */
public final class SipJoinPath implements JoinPath, Service {

    /** How long stop() waits for the far end to answer the BYEs of the calls it ends. */
    static final Duration BYE_GRACE = Duration.ofSeconds(2);

    private final UserAgent ua;
    private final Optional<SSLContext> sslContext;
    private volatile boolean started;
    /** Runs the network part of each dial (DNS, TCP/TLS connect, INVITE): callers never wait on a gateway. */
    private volatile ExecutorService dialer;
    private volatile Registration registration;
    private volatile Thread stopper;

    private SipJoinPath(Builder b) {
        SipSettings settings = b.settings;
        this.sslContext = Optional.ofNullable(b.sslContext);
        MediaCapabilities caps = b.codec == null ? MediaCapabilities.standard()
                : MediaCapabilities.forCodec(b.codec.audioEncodings(), b.codec.videoEncodings());
        CallMedia.Factory media = b.mediaFactory;
        AtomicReference<UserAgent> self = new AtomicReference<>();
        if (media == null) {
            Objects.requireNonNull(b.codec, "a codec (or a media factory) is needed");
            Set<MediaKind> kinds = EnumSet.noneOf(MediaKind.class);
            kinds.add(MediaKind.AUDIO);
            if (!caps.of(MediaKind.VIDEO).isEmpty()) {
                kinds.add(MediaKind.VIDEO);
            }
            InetAddress local = UserAgent.literalAddress(settings.localAddress());
            media = callId -> RelayCallMedia.factory(b.scheduler, b.codec, local, b.events, kinds,
                    settings.noMediaWindow(), () -> noMedia(self.get(), callId)).open(callId);
        }
        this.ua = new UserAgent(settings, b.scheduler, b.events, b.resolver,
                new SdpNegotiator(caps, settings.srtpPolicy()), b.random, media, b.profiles);
        self.set(ua);
    }

    public static Builder builder(SipSettings settings, Scheduler scheduler) {
        return new Builder(settings, scheduler);
    }

    public SipSettings settings() {
        return ua.settings;
    }

    // ---- lifecycle ---------------------------------------------------------------------------

    @Override
    public String name() {
        return "sip";
    }

    @Override
    public synchronized void start() throws Exception {
        if (started) {
            return;
        }
        ua.open(sslContext, new StackEvents(ua, () -> registration));
        dialer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "roomwire-sip-dial");
            t.setDaemon(true);
            return t;
        });
        started = true;
        SipSettings settings = ua.settings;
        Logger.info("SIP user agent on {}:{}/{} as {}", settings.localAddress(), ua.localPort,
                settings.transport().wireName(), settings.addressOfRecord());
        if (settings.registrar().isPresent()) {
            registration = new Registration(ua);
            registration.start();
        }
    }

    @Override
    public void stop() {
        List<SipCallImpl> live;
        synchronized (this) {
            if (!started) {
                return;
            }
            started = false;
            live = new ArrayList<>(ua.callsBySipId.values());
        }
        for (SipCallImpl c : live) {
            c.shutdown();
        }
        try {
            if (!ua.pendingByes.await(BYE_GRACE)) {
                Logger.warn("SIP stopping with {} BYE(s) unanswered after {} ms", ua.pendingByes.size(),
                        BYE_GRACE.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ua.pendingByes.clear();
        ua.awaitingAck.clear();
        ExecutorService d = dialer;
        if (d != null) {
            d.shutdownNow(); // a connect in progress ends with the stack's sockets below
        }
        if (registration != null) {
            registration.stop();
        }
        synchronized (this) {
            stopper = ua.release();
        }
        Logger.info("SIP user agent stopped");
    }

    /** Waits until the stack's own threads are gone after {@link #stop()} (tests count threads). */
    public boolean awaitStopped(Duration bound) throws InterruptedException {
        Thread t = stopper;
        if (t != null) {
            t.join(bound.toMillis());
            return !t.isAlive();
        }
        return true;
    }

    @Override
    public Health health() {
        if (!started) {
            return Health.down("SIP is stopped");
        }
        Health h = registration == null ? Health.up() : registration.health();
        for (SipCallImpl c : ua.callsBySipId.values()) {
            h = h.worst(c.health());
        }
        return h;
    }

    /** Registration state, when a registrar is configured. */
    public Optional<Registration.State> registrationState() {
        return Optional.ofNullable(registration).map(Registration::state);
    }

    /** The local SIP port (useful when sip.local-port is 0). */
    public int localPort() {
        return ua.localPort;
    }

    /** Dialogs the stack still holds (for leak checks and diagnostics). */
    public int openDialogs() {
        return dialogs().size();
    }

    /** The dialogs themselves, for a leak check's failure message. */
    Collection<Dialog> dialogs() {
        SipStackImpl s = ua.stack;
        return s == null ? List.of() : List.copyOf(s.getDialogs());
    }

    // ---- calls -------------------------------------------------------------------------------

    @Override
    public boolean supports(JoinTarget target) {
        return target.isSip();
    }

    @Override
    public Call dial(JoinTarget target) {
        if (!supports(target)) {
            throw new IllegalArgumentException("the SIP path cannot dial a " + target.kind().wireName() + " target");
        }
        if (!started) {
            throw new IllegalStateException("SIP is not started");
        }
        SipCallImpl call = SipCallImpl.outgoing(ua, target);
        if (call.begin()) {
            try {
                dialer.execute(call::connect);
            } catch (RejectedExecutionException e) {
                call.shutdown(); // stop() ran meanwhile
            }
        }
        return call;
    }

    @Override
    public List<Call> calls() {
        return List.copyOf(ua.callsBySipId.values());
    }

    @Override
    public void addListener(CallListener listener) {
        ua.addListener(listener);
    }

    @Override
    public void removeListener(CallListener listener) {
        ua.removeListener(listener);
    }

    private static void noMedia(UserAgent ua, String callId) {
        for (SipCallImpl c : ua.callsBySipId.values()) {
            if (c.id().equals(callId)) {
                c.onNoMedia();
            }
        }
    }

    public static final class Builder {
        private final SipSettings settings;
        private final Scheduler scheduler;
        private EventSink events = EventSink.none();
        private Codec codec;
        private SipResolver resolver = new DnsSipResolver();
        private SSLContext sslContext;
        private CallMedia.Factory mediaFactory;
        private RandomGenerator random = RandomGenerator.getDefault();
        private java.util.function.Supplier<GatewayProfiles> profiles = GatewayProfiles::standard;

        private Builder(SipSettings settings, Scheduler scheduler) {
            this.settings = Objects.requireNonNull(settings, "settings");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        }

        public Builder events(EventSink e) {
            this.events = e;
            return this;
        }

        /** The codec whose media the calls carry. */
        public Builder codec(Codec c) {
            this.codec = c;
            return this;
        }

        public Builder resolver(SipResolver r) {
            this.resolver = r;
            return this;
        }

        /** TLS trust and client identity; without it they come from the sip.tls.* files or the JDK. */
        public Builder sslContext(SSLContext c) {
            this.sslContext = c;
            return this;
        }

        /** Replaces the codec + relay media (tests of signalling alone). */
        public Builder mediaFactory(CallMedia.Factory f) {
            this.mediaFactory = f;
            return this;
        }

        /** Seeded randomness for tags and back-off jitter in tests. */
        public Builder random(RandomGenerator r) {
            this.random = r;
            return this;
        }

        /**
         * The providers whose profile a call follows (IVR timing, transport, SRTP, codecs: found by
         * {@code JoinTarget.provider()}, else by the address's host); the built-in ones by default.
         */
        public Builder gatewayProfiles(GatewayProfiles p) {
            Objects.requireNonNull(p, "profiles");
            this.profiles = () -> p;
            return this;
        }

        /** As {@link #gatewayProfiles(GatewayProfiles)}, read at each dial: a changed configuration applies to the next call. */
        public Builder gatewayProfiles(java.util.function.Supplier<GatewayProfiles> p) {
            this.profiles = Objects.requireNonNull(p, "profiles");
            return this;
        }

        public SipJoinPath build() {
            return new SipJoinPath(this);
        }
    }
}
