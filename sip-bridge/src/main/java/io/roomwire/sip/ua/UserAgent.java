package io.roomwire.sip.ua;

import gov.nist.javax.sip.SipStackExt;
import gov.nist.javax.sip.SipStackImpl;
import gov.nist.javax.sip.clientauthutils.AuthenticationHelper;
import gov.nist.javax.sip.clientauthutils.UserCredentials;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallListener;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.sdp.SdpNegotiator;
import io.roomwire.sip.ua.internal.CallMedia;
import io.roomwire.sip.ua.internal.ListenerLimits;
import io.roomwire.sip.ua.internal.TinylogServerLogger;
import io.roomwire.sip.ua.internal.TinylogStackLogger;
import io.roomwire.sip.ua.internal.TlsNetworkLayer;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLContext;
import javax.sip.ListeningPoint;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.address.AddressFactory;
import javax.sip.header.HeaderFactory;
import javax.sip.message.MessageFactory;
import org.tinylog.Logger;

/**
 * What every part of the user agent shares: the settings, the jain-sip stack with its provider and
 * factories, the clock, the listeners and events, and the tables of calls by SIP Call-ID. Built by
 * {@link SipJoinPath}; the stack fields are set by {@link #open} and cleared by {@link #release}.
 */
final class UserAgent {

    private static final AtomicInteger STACKS = new AtomicInteger();
    /** One stack created at a time per JVM: the EventScanner thread that appears meanwhile is that stack's (a fleet starts many). */
    private static final Object STACK_CREATION = new Object();

    final SipSettings settings;
    final Scheduler scheduler;
    final EventSink events;
    final SipResolver resolver;
    final SdpNegotiator negotiator;
    final RandomGenerator random;
    final InviteRateLimiter inviteLimiter;
    final Map<String, SipCallImpl> callsBySipId = new ConcurrentHashMap<>();
    /**
     * Ended calls that still owe the network a message: an incoming call hung up before the caller's
     * ACK (BYE waits for it), an outgoing call hung up before any 1xx (CANCEL waits for one; a late
     * 2xx gets ACK and BYE). Removed when that is done or the transaction ends.
     */
    final Map<String, SipCallImpl> awaitingAck = new ConcurrentHashMap<>();
    final PendingByes pendingByes = new PendingByes();
    private final CallMedia.Factory mediaFactory;
    private final java.util.function.Supplier<io.roomwire.sip.dialplan.GatewayProfiles> profiles;
    private final List<CallListener> listeners = new CopyOnWriteArrayList<>();

    volatile SipStackImpl stack;
    volatile SipProvider provider;
    volatile SipMessages messages;
    volatile AuthenticationHelper auth;
    volatile int localPort;
    private ListeningPoint listeningPoint;
    private SipListener listener;
    private final List<Thread> stackThreads = new ArrayList<>();
    private String tlsConfigId;
    private volatile TlsNetworkLayer.Config tlsConfig;

    UserAgent(SipSettings settings, Scheduler scheduler, EventSink events, SipResolver resolver,
              SdpNegotiator negotiator, RandomGenerator random, CallMedia.Factory mediaFactory,
              java.util.function.Supplier<io.roomwire.sip.dialplan.GatewayProfiles> profiles) {
        this.profiles = profiles;
        this.settings = settings;
        this.scheduler = scheduler;
        this.events = events;
        this.resolver = resolver;
        this.negotiator = negotiator;
        this.random = random;
        this.mediaFactory = mediaFactory;
        this.inviteLimiter = new InviteRateLimiter(settings.inviteRateLimit(), java.time.Duration.ofSeconds(10), scheduler);
    }

    /** Creates and starts the stack on the configured address and transport, routing its events to {@code l}. */
    void open(Optional<SSLContext> sslContext, SipListener l) {
        Properties p = stackProperties();
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
                HeaderFactory headers = new gov.nist.javax.sip.header.HeaderFactoryImpl();
                AddressFactory addresses = new gov.nist.javax.sip.address.AddressFactoryImpl();
                MessageFactory factory = new gov.nist.javax.sip.message.MessageFactoryImpl();
                localPort = settings.localPort() != 0 ? settings.localPort() : freePort(settings.transport());
                messages = new SipMessages(settings, headers, addresses, factory, localPort);
                listeningPoint = stack.createListeningPoint(settings.localAddress(), localPort, settings.transport().wireName());
                provider = stack.createSipProvider(listeningPoint);
                listener = l;
                provider.addSipListener(l);
                auth = ((SipStackExt) stack).getAuthenticationHelper((tx, realm) -> credentials(), headers);
                stack.start();
            } catch (Exception e) {
                release();
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

    private Properties stackProperties() {
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", "roomwire-sip-" + STACKS.incrementAndGet());
        p.setProperty("javax.sip.IP_ADDRESS", settings.localAddress());
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "on");
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", TinylogStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.SERVER_LOGGER", TinylogServerLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", TlsNetworkLayer.class.getName());
        p.setProperty(TlsNetworkLayer.NoStackKeys.PROPERTY, TlsNetworkLayer.NoStackKeys.class.getName());
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
        return p;
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

    /**
     * Releases the provider, listening point and stack; returns the thread finishing
     * {@code SipStack.stop()} (it sleeps a fixed second after closing sockets), or null.
     */
    Thread release() {
        try {
            if (provider != null) {
                provider.removeSipListener(listener);
                stack.deleteSipProvider(provider);
            }
            if (listeningPoint != null) {
                stack.deleteListeningPoint(listeningPoint);
            }
        } catch (Exception e) {
            Logger.debug("SIP provider release: {}", e.getMessage());
        }
        Thread stopper = null;
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
            List<Thread> snapshot = List.copyOf(stackThreads);
            stopper = new Thread(() -> {
                st.stop();
                for (Thread t : snapshot) {
                    if (t.isAlive()) {
                        t.interrupt();
                    }
                }
            }, "roomwire-sip-stop");
            stopper.setDaemon(true);
            stopper.start();
        }
        stackThreads.clear();
        TlsNetworkLayer.unregister(tlsConfigId);
        tlsConfigId = null;
        tlsConfig = null;
        provider = null;
        listeningPoint = null;
        stack = null;
        return stopper;
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

    void addListener(CallListener l) {
        listeners.add(l);
    }

    void removeListener(CallListener l) {
        listeners.remove(l);
    }

    void emit(String type, Object... kv) {
        try {
            events.emit(DeviceEvent.of(type, scheduler.now(), kv));
        } catch (RuntimeException e) {
            Logger.warn(e, "event sink failed on {}", type);
        }
    }

    /** The call with this Call-ID, live or ended but still owing the network a message. */
    Optional<SipCallImpl> call(String sipCallId) {
        SipCallImpl c = callsBySipId.get(sipCallId);
        return Optional.ofNullable(c != null ? c : awaitingAck.get(sipCallId));
    }

    Optional<SipCallImpl> endedAwaitingAck(String sipCallId) {
        return Optional.ofNullable(awaitingAck.remove(sipCallId));
    }

    CallMedia openMedia(String callId) throws IOException {
        return mediaFactory.open(callId);
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

    /** The gateway profile an outgoing call to {@code target} (whose URI is {@code uri}) follows. */
    GatewayProfile profileFor(JoinTarget target, javax.sip.address.SipURI uri) {
        return profiles.get().forCall(target.provider(), uri.getHost());
    }

    /** How an IVR join keys in its digits: the profile's timing, else sip.dtmf-delay and sip.dtmf-gap. */
    GatewayProfile.DtmfTiming dtmfTiming(GatewayProfile profile) {
        return profile.dtmf().orElseGet(() -> new GatewayProfile.DtmfTiming(settings.dtmfDelay(), settings.dtmfGap()));
    }

    /** The SRTP policy of a call through {@code profile}: its own, else {@code sip.srtp}. */
    io.roomwire.sip.sdp.SrtpPolicy srtpPolicy(GatewayProfile profile) {
        return profile.media().srtp().orElse(settings.srtpPolicy());
    }

    /** The offer/answer rules of a call through {@code profile}: the room's codecs as it wants them, its SRTP policy. */
    SdpNegotiator negotiatorFor(GatewayProfile profile) {
        if (profile.media().equals(GatewayProfile.Media.DEFAULT)) {
            return negotiator;
        }
        return new SdpNegotiator(profile.media().limit(negotiator.capabilities()), srtpPolicy(profile));
    }

    String newTag() {
        return Long.toHexString(random.nextLong() & 0x7fffffffffffL);
    }

    static InetAddress literalAddress(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("sip.local-address must be an IP address: " + ip);
        }
    }

    private int freePort(SipTransport t) throws IOException {
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
}
