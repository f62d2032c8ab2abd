package io.roomwire.sip.ua;

import gov.nist.javax.sip.SipStackExt;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.clientauthutils.AuthenticationHelper;
import gov.nist.javax.sip.clientauthutils.UserCredentials;
import io.roomwire.core.event.DeviceEvent;
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
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.MediaCapabilities;
import io.roomwire.sip.sdp.SdpNegotiator;
import io.roomwire.sip.ua.internal.CallMedia;
import io.roomwire.sip.ua.internal.RelayCallMedia;
import io.roomwire.sip.ua.internal.TinylogServerLogger;
import io.roomwire.sip.ua.internal.TinylogStackLogger;
import io.roomwire.sip.ua.internal.ListenerLimits;
import io.roomwire.sip.ua.internal.TlsNetworkLayer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.header.CallIdHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
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

    private static final AtomicInteger STACKS = new AtomicInteger();
    /** How long stop() waits for the far end to answer the BYEs of the calls it ends. */
    static final Duration BYE_GRACE = Duration.ofSeconds(2);
    /** Stacks still finishing SipStack.stop() (for diagnostics). */
    private static final Set<Thread> STOPPING = ConcurrentHashMap.newKeySet();
    /** One stack created at a time per JVM: the EventScanner thread that appears meanwhile is that stack's (a fleet starts many). */
    private static final Object STACK_CREATION = new Object();

    final SipSettings settings;
    final Scheduler scheduler;
    final EventSink events;
    final SipResolver resolver;
    final SdpNegotiator negotiator;
    final RandomGenerator random;
    private final Optional<SSLContext> sslContext;
    private final CallMedia.Factory mediaFactory;
    private final List<CallListener> listeners = new CopyOnWriteArrayList<>();
    final Map<String, SipCallImpl> callsBySipId = new ConcurrentHashMap<>();
    /**
     * Ended calls that still owe the network a message: an incoming call hung up before the caller's
     * ACK (BYE waits for it), an outgoing call hung up before any 1xx (CANCEL waits for one; a late
     * 2xx gets ACK and BYE). Removed when that is done or the transaction ends.
     */
    final Map<String, SipCallImpl> awaitingAck = new ConcurrentHashMap<>();
    final PendingByes pendingByes = new PendingByes();
    final InviteRateLimiter inviteLimiter;

    private volatile boolean started;
    /** Runs the network part of each dial (DNS, TCP/TLS connect, INVITE): callers never wait on a gateway. */
    private volatile java.util.concurrent.ExecutorService dialer;
    SipStackImpl stack;
    SipProvider provider;
    HeaderFactory headers;
    AddressFactory addresses;
    MessageFactory messages;
    AuthenticationHelper auth;
    int localPort;
    private ListeningPoint listeningPoint;
    private final List<Thread> stackThreads = new ArrayList<>();
    private Registration registration;
    private Dispatcher dispatcher;
    private String tlsConfigId;
    private volatile TlsNetworkLayer.Config tlsConfig;
    private volatile Thread stopper;
    private volatile List<Thread> stackThreadsSnapshot = List.of();

    private SipJoinPath(Builder b) {
        this.settings = b.settings;
        this.scheduler = b.scheduler;
        this.events = b.events;
        this.resolver = b.resolver;
        this.random = b.random;
        this.sslContext = Optional.ofNullable(b.sslContext);
        MediaCapabilities caps = b.codec == null ? MediaCapabilities.standard()
                : MediaCapabilities.forCodec(b.codec.audioEncodings(), b.codec.videoEncodings());
        this.negotiator = new SdpNegotiator(caps, settings.srtpPolicy());
        if (b.mediaFactory != null) {
            this.mediaFactory = b.mediaFactory;
        } else {
            Objects.requireNonNull(b.codec, "a codec (or a media factory) is needed");
            Set<MediaKind> kinds = EnumSet.noneOf(MediaKind.class);
            kinds.add(MediaKind.AUDIO);
            if (!caps.of(MediaKind.VIDEO).isEmpty()) {
                kinds.add(MediaKind.VIDEO);
            }
            InetAddress local = literalAddress(settings.localAddress());
            this.mediaFactory = callId -> RelayCallMedia.factory(scheduler, b.codec, local, events, kinds,
                    settings.noMediaWindow(), () -> noMedia(callId)).open(callId);
        }
        this.inviteLimiter = new InviteRateLimiter(settings.inviteRateLimit(), java.time.Duration.ofSeconds(10), scheduler);
    }

    public static Builder builder(SipSettings settings, Scheduler scheduler) {
        return new Builder(settings, scheduler);
    }

    public SipSettings settings() {
        return settings;
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
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", "roomwire-sip-" + STACKS.incrementAndGet());
        p.setProperty("javax.sip.IP_ADDRESS", settings.localAddress());
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "on");
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", TinylogStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", TinylogServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", TlsNetworkLayer.class.getName());
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", Logger.isTraceEnabled() ? "TRACE" : "ERROR");
        p.setProperty("gov.nist.javax.sip.MAX_MESSAGE_SIZE", "65536");
        p.setProperty("gov.nist.javax.sip.MAX_SERVER_TRANSACTIONS", "200");
        p.setProperty("gov.nist.javax.sip.MAX_CLIENT_TRANSACTIONS", "200");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "2");
        p.setProperty("gov.nist.javax.sip.REENTRANT_LISTENER", "false");
        p.setProperty("gov.nist.javax.sip.SSL_HANDSHAKE_TIMEOUT", "8000");
        p.setProperty("gov.nist.javax.sip.DELIVER_UNSOLICITED_NOTIFY", "false");
        p.setProperty("gov.nist.javax.sip.RFC_2543_SUPPORT_ENABLED", "false");
        // Ended dialogs and transactions leave the stack's tables after 2 s instead of 8 s.
        p.setProperty("gov.nist.javax.sip.LINGER_TIMER", "2");
        // A stray 2xx would otherwise create a confirmed dialog that nobody ends (found by the fuzz corpus).
        p.setProperty("gov.nist.javax.sip.REJECT_STRAY_RESPONSES", "true");
        settings.outboundProxy().ifPresent(proxy -> p.setProperty("javax.sip.OUTBOUND_PROXY",
                hopFor(proxy).proxyProperty()));
        ListenerLimits limits = ListenerLimits.defaults(settings.maxConnections());
        if (settings.transport() == SipTransport.TLS) {
            SSLContext ctx = sslContext.orElseGet(() -> TlsFiles.sslContext(settings));
            TlsNetworkLayer.Config tls = TlsNetworkLayer.Config.of(ctx, limits);
            tlsConfig = tls;
            tlsConfigId = TlsNetworkLayer.register(tls);
            p.setProperty(TlsNetworkLayer.CONFIG_KEY, tlsConfigId);
            p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", tls.suitesProperty());
            p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", String.join(",", tls.protocols()));
            p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", "Disabled");
        } else if (settings.transport() == SipTransport.TCP) {
            tlsConfigId = TlsNetworkLayer.register(TlsNetworkLayer.Config.of(null, limits));
            p.setProperty(TlsNetworkLayer.CONFIG_KEY, tlsConfigId);
        }
        synchronized (STACK_CREATION) {
            Set<Thread> before = liveThreads();
            try {
                stack = new SipStackImpl(p);
                headers = new gov.nist.javax.sip.header.HeaderFactoryImpl();
                addresses = new gov.nist.javax.sip.address.AddressFactoryImpl();
                messages = new gov.nist.javax.sip.message.MessageFactoryImpl();
                localPort = settings.localPort() != 0 ? settings.localPort() : freePort(settings.transport());
                listeningPoint = stack.createListeningPoint(settings.localAddress(), localPort, settings.transport().wireName());
                provider = stack.createSipProvider(listeningPoint);
                dispatcher = new Dispatcher();
                provider.addSipListener(dispatcher);
                auth = ((SipStackExt) stack).getAuthenticationHelper(
                        (tx, realm) -> credentials(), headers);
                stack.start();
            } catch (Exception e) {
                releaseStack();
                throw new IllegalStateException("SIP could not start on " + settings.localAddress() + ":" + localPort + "/"
                        + settings.transport().wireName() + ": " + e.getMessage()
                        + " (check sip.local-address and sip.local-port)", e);
            } finally {
                for (Thread t : liveThreads()) {
                    if (!before.contains(t) && t.getName().startsWith("EventScanner")) {
                        stackThreads.add(t);
                    }
                }
            }
        }
        dialer = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "roomwire-sip-dial");
            t.setDaemon(true);
            return t;
        });
        started = true;
        Logger.info("SIP user agent on {}:{}/{} as {}", settings.localAddress(), localPort,
                settings.transport().wireName(), settings.addressOfRecord());
        if (settings.registrar().isPresent()) {
            registration = new Registration(this);
            registration.start();
        }
    }

    private UserCredentials credentials() {
        return new UserCredentials() {
            @Override
            public String getUserName() {
                return settings.authUserOrUser();
            }

            @Override
            public String getPassword() {
                return settings.password().orElse("");
            }

            @Override
            public String getSipDomain() {
                return settings.domain();
            }
        };
    }

    @Override
    public void stop() {
        List<SipCallImpl> live;
        synchronized (this) {
            if (!started) {
                return;
            }
            started = false;
            live = new ArrayList<>(callsBySipId.values());
        }
        for (SipCallImpl c : live) {
            c.shutdown();
        }
        try {
            if (!pendingByes.await(BYE_GRACE)) {
                Logger.warn("SIP stopping with {} BYE(s) unanswered after {} ms", pendingByes.size(), BYE_GRACE.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pendingByes.clear();
        awaitingAck.clear();
        java.util.concurrent.ExecutorService d = dialer;
        if (d != null) {
            d.shutdownNow(); // a connect in progress ends with the stack's sockets below
        }
        if (registration != null) {
            registration.stop();
        }
        synchronized (this) {
            releaseStack();
        }
        Logger.info("SIP user agent stopped");
    }

    private void releaseStack() {
        try {
            if (provider != null) {
                provider.removeSipListener(dispatcher);
                stack.deleteSipProvider(provider);
            }
            if (listeningPoint != null) {
                stack.deleteListeningPoint(listeningPoint);
            }
        } catch (Exception e) {
            Logger.debug("SIP provider release: {}", e.getMessage());
        }
        if (stack != null) {
            SipStackImpl st = stack;
            gov.nist.javax.sip.EventScanner scanner = st.getEventScanner();
            // jain-sip leaves its non-daemon EventScannerThread blocked in take(): stop it for real now.
            if (scanner != null) {
                scanner.forceStop();
            }
            for (Thread t : stackThreads) {
                t.interrupt();
            }
            // SipStack.stop() sleeps a fixed second after closing sockets: do that part off the caller's thread.
            stopper = new Thread(() -> {
                try {
                    st.stop();
                } finally {
                    STOPPING.remove(Thread.currentThread());
                }
                for (Thread t : stackThreadsSnapshot) {
                    if (t.isAlive()) {
                        t.interrupt();
                    }
                }
            }, "roomwire-sip-stop");
            stackThreadsSnapshot = List.copyOf(stackThreads);
            stopper.setDaemon(true);
            STOPPING.add(stopper);
            stopper.start();
        }
        stackThreads.clear();
        TlsNetworkLayer.unregister(tlsConfigId);
        tlsConfigId = null;
        provider = null;
        listeningPoint = null;
        stack = null;
    }

    /** The JVM's live threads, without the stack traces Thread.getAllStackTraces builds (thousands in a fleet). */
    private static Set<Thread> liveThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] all = new Thread[root.activeCount() + 64];
        int n;
        while ((n = root.enumerate(all, true)) == all.length) {
            all = new Thread[all.length * 2];
        }
        return new java.util.HashSet<>(java.util.Arrays.asList(all).subList(0, n));
    }

    /** Waits until the stack's own threads are gone after {@link #stop()} (tests count threads). */
    public boolean awaitStopped(java.time.Duration bound) throws InterruptedException {
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
        for (SipCallImpl c : callsBySipId.values()) {
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
        return localPort;
    }

    /** Dialogs the stack still holds (for leak checks and diagnostics). */
    public int openDialogs() {
        SipStackImpl s = stack;
        return s == null ? 0 : s.getDialogs().size();
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
        SipCallImpl call = SipCallImpl.outgoing(this, target);
        if (call.begin()) {
            try {
                dialer.execute(call::connect);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                call.shutdown(); // stop() ran meanwhile
            }
        }
        return call;
    }

    @Override
    public List<Call> calls() {
        return List.copyOf(callsBySipId.values());
    }

    @Override
    public void addListener(CallListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeListener(CallListener listener) {
        listeners.remove(listener);
    }

    void fire(CallEvent e) {
        for (CallListener l : listeners) {
            try {
                l.onEvent(e);
            } catch (RuntimeException ex) {
                Logger.warn(ex, "call listener failed on {}", e.getClass().getSimpleName());
            }
        }
    }

    void emit(String type, Object... kv) {
        try {
            events.emit(DeviceEvent.of(type, scheduler.now(), kv));
        } catch (RuntimeException e) {
            Logger.warn(e, "event sink failed on {}", type);
        }
    }

    Optional<SipCallImpl> endedAwaitingAck(String sipCallId) {
        return Optional.ofNullable(awaitingAck.remove(sipCallId));
    }

    CallMedia openMedia(String callId) throws java.io.IOException {
        return mediaFactory.open(callId);
    }

    private void noMedia(String callId) {
        for (SipCallImpl c : callsBySipId.values()) {
            if (c.id().equals(callId)) {
                c.onNoMedia();
            }
        }
    }

    SipHop hopFor(String hostPort) {
        String h = hostPort.trim();
        int port = settings.transport().defaultPort();
        int colon = h.lastIndexOf(':');
        if (colon > 0 && !h.endsWith("]") && h.indexOf(':') == colon) {
            try {
                port = Integer.parseInt(h.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in '" + hostPort + "': use host or host:port");
            }
            h = h.substring(0, colon);
        }
        return new SipHop(h, port, settings.transport());
    }

    /**
     * Over TLS, the certificates of hops DNS gave for {@code uriHost} must name {@code uriHost}
     * (RFC 5922 section 4); a hop that is the URI's host itself, or a literal address, is checked as it is.
     */
    void expectTlsIdentity(List<SipHop> hops, String uriHost) {
        TlsNetworkLayer.Config c = tlsConfig;
        if (c == null) {
            return;
        }
        for (SipHop h : hops) {
            boolean literal = h.host().matches("[0-9.]+") || h.host().contains(":");
            if (!literal && !h.host().equalsIgnoreCase(uriHost)) {
                c.expectServerName(h.host(), h.port(), uriHost);
            }
        }
    }

    String newTag() {
        return Long.toHexString(random.nextLong() & 0x7fffffffffffL);
    }

    private static InetAddress literalAddress(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("sip.local-address must be an IP address: " + ip);
        }
    }

    private int freePort(SipTransport t) throws java.io.IOException {
        InetAddress a = literalAddress(settings.localAddress());
        if (t == SipTransport.UDP) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(a, 0))) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, a)) {
            return s.getLocalPort();
        }
    }

    /** Routes stack events to calls and the registration; never lets an exception into the stack. */
    private final class Dispatcher implements SipListener {

        @Override
        public void processRequest(RequestEvent e) {
            try {
                Inbound.handle(SipJoinPath.this, e);
            } catch (RuntimeException ex) {
                Logger.warn(ex, "SIP request {} not handled: {}", e.getRequest().getMethod(), ex.toString());
            }
        }

        @Override
        public void processResponse(ResponseEvent e) {
            try {
                if (e.getResponse().getStatusCode() >= 200) {
                    pendingByes.ended(e.getClientTransaction());
                }
                CallIdHeader cid = (CallIdHeader) e.getResponse().getHeader(CallIdHeader.NAME);
                if (cid == null) {
                    return;
                }
                if (registration != null && registration.owns(cid.getCallId())) {
                    registration.onResponse(e);
                    return;
                }
                SipCallImpl c = callsBySipId.get(cid.getCallId());
                if (c == null) {
                    c = awaitingAck.get(cid.getCallId());
                }
                if (c != null) {
                    c.onResponse(e);
                }
            } catch (RuntimeException ex) {
                Logger.warn(ex, "SIP response not handled: {}", ex.toString());
            }
        }

        @Override
        public void processTimeout(TimeoutEvent e) {
            try {
                if (!e.isServerTransaction()) {
                    pendingByes.ended(e.getClientTransaction());
                }
                javax.sip.message.Request r = e.isServerTransaction() ? e.getServerTransaction().getRequest()
                        : e.getClientTransaction().getRequest();
                String id = ((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId();
                if (registration != null && registration.owns(id)) {
                    registration.onFailure("no response from the registrar");
                    return;
                }
                SipCallImpl c = callsBySipId.get(id);
                if (c == null) {
                    c = awaitingAck.remove(id);
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
            for (SipCallImpl c : callsBySipId.values()) {
                c.onTransportError(e.getHost(), e.getPort());
            }
            if (registration != null) {
                registration.onTransportError(e.getHost(), e.getPort());
            }
        }

        @Override
        public void processTransactionTerminated(TransactionTerminatedEvent e) {
            if (e.isServerTransaction() || e.getClientTransaction() == null) {
                return;
            }
            pendingByes.ended(e.getClientTransaction());
            try {
                javax.sip.message.Request r = e.getClientTransaction().getRequest();
                SipCallImpl c = callsBySipId.get(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId());
                if (c != null) {
                    c.onInviteTransactionEnded(e.getClientTransaction());
                } else {
                    SipCallImpl lingering = awaitingAck.get(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId());
                    if (lingering != null && Request.INVITE.equals(r.getMethod())) {
                        awaitingAck.remove(((CallIdHeader) r.getHeader(CallIdHeader.NAME)).getCallId(), lingering);
                    }
                }
            } catch (RuntimeException ex) {
                Logger.debug("transaction end: {}", ex.toString());
            }
        }

        @Override
        public void processDialogTerminated(DialogTerminatedEvent e) {
            try {
                String id = e.getDialog().getCallId().getCallId();
                SipCallImpl c = callsBySipId.get(id);
                if (c != null) {
                    c.onDialogTerminated(e.getDialog());
                }
            } catch (RuntimeException ex) {
                Logger.debug("dialog termination: {}", ex.toString());
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

        public SipJoinPath build() {
            return new SipJoinPath(this);
        }
    }
}
