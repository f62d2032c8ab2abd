package io.roomwire.sim.cloud.gateway;

import gov.nist.javax.sip.SipStackImpl;
import io.roomwire.sim.cloud.gateway.media.GatewayMedia;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.sip.ClientTransaction;
import javax.sip.DialogTerminatedEvent;
import javax.sip.IOExceptionEvent;
import javax.sip.ListeningPoint;
import javax.sip.RequestEvent;
import javax.sip.ResponseEvent;
import javax.sip.ServerTransaction;
import javax.sip.SipListener;
import javax.sip.SipProvider;
import javax.sip.TimeoutEvent;
import javax.sip.TransactionTerminatedEvent;
import javax.sip.address.AddressFactory;
import javax.sip.address.SipURI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.HeaderFactory;
import javax.sip.header.ToHeader;
import javax.sip.message.MessageFactory;
import javax.sip.message.Request;
import javax.sip.message.Response;
import org.tinylog.Logger;

/**
 * A simulated Cloud Video Interop gateway: a jain-sip UAS on 127.0.0.1 over UDP, TCP or TLS.
 *
 * <ul>
 *   <li>IVR mode: {@code <ivrUser>@<domain>} is answered; the Video ID must arrive as RFC 4733
 *       digits ending in {@code #} within {@link Builder#ivrTimeout}, else (or for an unknown id)
 *       the gateway sends BYE with {@code Reason: SIP;cause=404}.</li>
 *   <li>Direct mode: {@code <id>.<tenant>}, {@code <tenant>.<id>} or {@code <id>} per {@link DirectForm};
 *       an unknown tenant or id gets 404.</li>
 *   <li>Digest challenge (401) when credentials are set, 486 when busy, 488 when no audio codec or
 *       SRTP suite matches, far-end hold/resume and BYE through {@link GatewayCall}.</li>
 *   <li>Media through {@link GatewayMedia}: SRTP terminated, packets counted, digits detected, media
 *       sent back paced.</li>
 *   <li>Optionally a registrar (REGISTER with the same digest), which tests can take down and bring back.</li>
 * </ul>
 */
public final class SimGateway implements AutoCloseable {

    public enum Transport { UDP, TCP, TLS }

    /** How a direct-dial URI carries the meeting: Cisco, Poly and Pexip styles. */
    public enum DirectForm { VIDEO_ID_DOT_TENANT, TENANT_DOT_VIDEO_ID, VIDEO_ID }

    private static final AtomicInteger STACKS = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Builder cfg;
    private final List<GatewayCall> calls = new CopyOnWriteArrayList<>();
    private final Map<String, GatewayCall> byCallId = new ConcurrentHashMap<>();
    private final AtomicInteger registrations = new AtomicInteger();
    private final AtomicInteger registerRequests = new AtomicInteger();
    private final List<String> requestLog = new CopyOnWriteArrayList<>();
    private volatile boolean registrarUp = true;
    private volatile boolean busy;
    private ScheduledExecutorService timers;
    private SipStackImpl stack;
    private SipProvider provider;
    private ListeningPoint lp;
    private HeaderFactory headers;
    private AddressFactory addresses;
    private MessageFactory messages;
    private int port;
    private final List<Thread> stackThreads = new ArrayList<>();
    private String tlsId;

    private SimGateway(Builder b) {
        this.cfg = b;
        this.busy = b.busy;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts listening on 127.0.0.1 on a free port. */
    public synchronized SimGateway start() throws IOException {
        timers = Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "sim-gateway-timer");
            t.setDaemon(true);
            return t;
        });
        Properties p = new Properties();
        p.setProperty("javax.sip.STACK_NAME", "sim-gateway-" + STACKS.incrementAndGet());
        p.setProperty("javax.sip.IP_ADDRESS", "127.0.0.1");
        p.setProperty("javax.sip.AUTOMATIC_DIALOG_SUPPORT", "on");
        p.setProperty("gov.nist.javax.sip.STACK_LOGGER", GatewayStackLogger.class.getName());
        p.setProperty("gov.nist.javax.sip.NETWORK_LAYER", GatewayNetworkLayer.class.getName());
        p.setProperty("gov.nist.javax.sip.TRACE_LEVEL", "ERROR");
        p.setProperty("gov.nist.javax.sip.THREAD_POOL_SIZE", "2");
        p.setProperty("gov.nist.javax.sip.CACHE_SERVER_CONNECTIONS", "true");
        p.setProperty("gov.nist.javax.sip.LINGER_TIMER", "2");
        if (cfg.transport == Transport.TLS) {
            if (cfg.sslContext == null) {
                throw new IllegalStateException("a TLS gateway needs sslContext(SimPki.sslContext(server identity))");
            }
            tlsId = "gw-" + STACKS.get();
            GatewayNetworkLayer.CONTEXTS.put(tlsId, cfg.sslContext);
            p.setProperty(GatewayNetworkLayer.CONTEXT_KEY, tlsId);
            p.setProperty("gov.nist.javax.sip.TLS_CLIENT_PROTOCOLS", "TLSv1.3,TLSv1.2");
            p.setProperty("gov.nist.javax.sip.TLS_CLIENT_AUTH_TYPE", cfg.needClientAuth ? "Enabled" : "Disabled");
            p.setProperty(GatewayNetworkLayer.NEED_CLIENT_AUTH_KEY, Boolean.toString(cfg.needClientAuth));
            p.setProperty("gov.nist.javax.sip.ENABLED_CIPHER_SUITES", "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,"
                    + "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        }
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        try {
            stack = new SipStackImpl(p);
            headers = new gov.nist.javax.sip.header.HeaderFactoryImpl();
            addresses = new gov.nist.javax.sip.address.AddressFactoryImpl();
            messages = new gov.nist.javax.sip.message.MessageFactoryImpl();
            // started again after stop() (a gateway lost and back): where the rooms know it, not a new port
            port = cfg.port != 0 ? cfg.port : port != 0 ? port : freePort();
            lp = stack.createListeningPoint("127.0.0.1", port, cfg.transport.name().toLowerCase(Locale.ROOT));
            provider = stack.createSipProvider(lp);
            provider.addSipListener(new Listener());
            stack.start();
        } catch (Exception e) {
            stop();
            throw new IOException("simulated gateway could not start: " + e.getMessage(), e);
        } finally {
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!before.contains(t) && t.getName().startsWith("EventScanner")) {
                    stackThreads.add(t);
                }
            }
        }
        Logger.info("simulated CVI gateway {} on 127.0.0.1:{}/{}", cfg.domain, port, cfg.transport);
        return this;
    }

    private int freePort() throws IOException {
        if (cfg.transport == Transport.UDP) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public synchronized void stop() {
        for (GatewayCall c : calls) {
            GatewayMedia m = c.media;
            if (m != null) {
                m.close();
            }
        }
        try {
            if (provider != null) {
                stack.deleteSipProvider(provider);
            }
            if (lp != null) {
                stack.deleteListeningPoint(lp);
            }
        } catch (Exception e) {
            Logger.debug("gateway release: {}", e.toString());
        }
        if (stack != null) {
            SipStackImpl st = stack;
            gov.nist.javax.sip.EventScanner scanner = st.getEventScanner();
            if (scanner != null) {
                scanner.forceStop();
            }
            stackThreads.forEach(Thread::interrupt);
            // SipStack.stop() sleeps a fixed second: let it do so off the test's thread.
            Thread stopper = new Thread(st::stop, "sim-gateway-stop");
            stopper.setDaemon(true);
            stopper.start();
        }
        stackThreads.clear();
        if (timers != null) {
            timers.shutdownNow();
        }
        if (tlsId != null) {
            GatewayNetworkLayer.CONTEXTS.remove(tlsId);
        }
        provider = null;
        lp = null;
        stack = null;
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return port;
    }

    public String domain() {
        return cfg.domain;
    }

    public Transport transport() {
        return cfg.transport;
    }

    /** {@code host:port} to use as the room's outbound proxy or registrar. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    /** A URI the room can dial: {@code sip(s):<user>@<domain>}; route it with {@link #hostPort()}. */
    public String uri(String user) {
        return (cfg.transport == Transport.TLS ? "sips:" : "sip:") + user + "@" + cfg.domain;
    }

    /** The IVR address: {@code <ivrUser>@<domain>}. */
    public String ivrUri() {
        return uri(cfg.ivrUser());
    }

    /** A direct-dial address for a meeting id in this gateway's form. */
    public String directUri(String meetingId) {
        return uri(switch (cfg.directForm) {
            case VIDEO_ID_DOT_TENANT -> meetingId + "." + cfg.tenant;
            case TENANT_DOT_VIDEO_ID -> cfg.tenant + "." + meetingId;
            case VIDEO_ID -> meetingId;
        });
    }

    public List<GatewayCall> calls() {
        return List.copyOf(calls);
    }

    public Optional<GatewayCall> lastCall() {
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls.get(calls.size() - 1));
    }

    /** Successful registrations (200 to REGISTER) so far. */
    public int registrations() {
        return registrations.get();
    }

    /** REGISTER requests received so far (answered or not). */
    public int registerRequests() {
        return registerRequests.get();
    }

    /** Methods of every request received, in order (e.g. INVITE, ACK, OPTIONS, BYE). */
    public List<String> requests() {
        return List.copyOf(requestLog);
    }

    /** With false the registrar ignores REGISTER (as if it were down); calls still work. */
    public void registrarUp(boolean up) {
        this.registrarUp = up;
    }

    public void busy(boolean b) {
        this.busy = b;
    }

    /** Waits (bounded) for a condition about this gateway; for tests. */
    public static boolean await(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        return condition.getAsBoolean();
    }

    // ---- requests -----------------------------------------------------------------------------

    private final class Listener implements SipListener {
        @Override
        public void processRequest(RequestEvent e) {
            try {
                onRequest(e);
            } catch (RuntimeException ex) {
                Logger.warn(ex, "simulated gateway: request failed: {}", ex.toString());
            }
        }

        @Override
        public void processResponse(ResponseEvent e) {
            Response r = e.getResponse();
            CSeqHeader cs = (CSeqHeader) r.getHeader(CSeqHeader.NAME);
            if (cs != null && Request.INVITE.equals(cs.getMethod()) && r.getStatusCode() == 200 && e.getDialog() != null) {
                try {
                    e.getDialog().sendAck(e.getDialog().createAck(cs.getSeqNumber()));
                } catch (Exception ex) {
                    Logger.debug("gateway ACK failed: {}", ex.toString());
                }
            }
        }

        @Override
        public void processTimeout(TimeoutEvent e) {
            // The room did not answer a gateway request; nothing to simulate.
        }

        @Override
        public void processIOException(IOExceptionEvent e) {
            Logger.debug("gateway transport error {}:{}", e.getHost(), e.getPort());
        }

        @Override
        public void processTransactionTerminated(TransactionTerminatedEvent e) {
        }

        @Override
        public void processDialogTerminated(DialogTerminatedEvent e) {
        }
    }

    private void onRequest(RequestEvent e) throws RuntimeException {
        Request req = e.getRequest();
        String method = req.getMethod();
        requestLog.add(method);
        if (Request.ACK.equals(method)) {
            return;
        }
        String callId = ((CallIdHeader) req.getHeader(CallIdHeader.NAME)).getCallId();
        GatewayCall call = byCallId.get(callId);
        if (Request.BYE.equals(method) && call != null) {
            // Record the hang-up before anything can fail: a room that stops right after its BYE
            // closes the connection, and the transaction for our 200 may no longer be creatable.
            call.byeFromRoom = true;
        }
        ServerTransaction st = e.getServerTransaction();
        if (st == null) {
            try {
                st = provider.getNewServerTransaction(req);
            } catch (Exception ex) {
                Logger.info("gateway: no transaction for {} ({}); {}", method, ex.toString(),
                        call != null && Request.BYE.equals(method) ? "the call ends anyway" : "dropped");
                if (call != null && Request.BYE.equals(method)) {
                    end(call, "hung up by the room");
                }
                return;
            }
        }
        switch (method) {
            case Request.REGISTER -> onRegister(st, req);
            case Request.INVITE -> {
                if (((ToHeader) req.getHeader(ToHeader.NAME)).getTag() != null && call != null) {
                    call.reinvitesFromRoom.incrementAndGet();
                    respondWithSdp(st, req, call, call.answer);
                } else {
                    onInvite(st, req);
                }
            }
            case Request.BYE -> {
                respond(st, call == null ? 481 : 200);
                if (call != null) {
                    end(call, "hung up by the room");
                }
            }
            case Request.CANCEL -> {
                respond(st, call == null ? 481 : 200);
                if (call != null && call.state == GatewayCall.State.RINGING && call.inviteTx != null) {
                    reject(call, 487, "cancelled by the room");
                }
            }
            case Request.OPTIONS -> {
                if (call != null) {
                    call.optionsFromRoom.incrementAndGet();
                }
                respond(st, 200);
            }
            case Request.UPDATE, Request.INFO -> respond(st, call == null ? 481 : 200);
            default -> respond(st, 405);
        }
    }

    private void onRegister(ServerTransaction st, Request req) {
        registerRequests.incrementAndGet();
        if (!registrarUp || !cfg.registrar) {
            if (!cfg.registrar) {
                respond(st, 405);
            }
            return; // down: no answer at all
        }
        if (!authorized(st, req)) {
            return;
        }
        try {
            Response ok = messages.createResponse(200, req);
            ContactHeader c = (ContactHeader) req.getHeader(ContactHeader.NAME);
            javax.sip.header.ExpiresHeader ex = (javax.sip.header.ExpiresHeader) req.getHeader("Expires");
            int expires = ex == null ? 600 : Math.min(ex.getExpires(), (int) cfg.registerExpires.toSeconds());
            if (c != null) {
                ContactHeader back = (ContactHeader) c.clone();
                back.setExpires(expires);
                ok.addHeader(back);
            }
            ok.addHeader(headers.createExpiresHeader(expires));
            // Counted before the 200 leaves: a room that sees itself registered finds it counted.
            if (expires > 0) {
                registrations.incrementAndGet();
            }
            st.sendResponse(ok);
        } catch (Exception e) {
            Logger.debug("gateway REGISTER reply failed: {}", e.toString());
        }
    }

    private void onInvite(ServerTransaction st, Request req) {
        String callId = ((CallIdHeader) req.getHeader(CallIdHeader.NAME)).getCallId();
        SipURI ruri = (SipURI) req.getRequestURI();
        String user = ruri.getUser() == null ? "" : ruri.getUser();
        String offer = req.getRawContent() == null ? "" : new String(req.getRawContent(), StandardCharsets.UTF_8);
        GatewayCall.Mode mode = user.equals(cfg.ivrUser()) ? GatewayCall.Mode.IVR : GatewayCall.Mode.DIRECT;
        GatewayCall call = new GatewayCall(this, callId, ruri.toString(), user, mode, offer);
        call.inviteTx = st;
        call.dialog = st.getDialog();
        call.toTag = Long.toHexString(RANDOM.nextLong() & 0xffffffffffL);
        if (!authorized(st, req)) {
            return; // challenged; the retry comes as a new transaction
        }
        calls.add(call);
        byCallId.put(callId, call);
        if (busy) {
            reject(call, 486, "busy");
            return;
        }
        if (mode == GatewayCall.Mode.DIRECT) {
            Optional<String> id = meetingIdOf(user);
            if (id.isEmpty() || !cfg.meetingIds.contains(id.get())) {
                reject(call, 404, "unknown meeting " + user);
                return;
            }
            call.meetingId = id.get();
        }
        List<GatewaySdp.Stream> streams;
        try {
            streams = GatewaySdp.parse(req.getRawContent());
        } catch (RuntimeException ex) {
            reject(call, 400, "bad SDP");
            return;
        }
        Optional<String> answer = prepareMedia(call, streams);
        if (answer.isEmpty()) {
            reject(call, 488, call.endReason);
            return;
        }
        call.answer = answer.get();
        try {
            if (cfg.ringing) {
                Response ringing = messages.createResponse(180, req);
                ((ToHeader) ringing.getHeader(ToHeader.NAME)).setTag(call.toTag);
                st.sendResponse(ringing);
            }
        } catch (Exception ex) {
            Logger.debug("gateway 180 failed: {}", ex.toString());
        }
        timers.schedule(() -> answerCall(call), cfg.answerDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    private Optional<String> meetingIdOf(String user) {
        return switch (cfg.directForm) {
            case VIDEO_ID_DOT_TENANT -> user.endsWith("." + cfg.tenant)
                    ? Optional.of(user.substring(0, user.length() - cfg.tenant.length() - 1)) : Optional.empty();
            case TENANT_DOT_VIDEO_ID -> user.startsWith(cfg.tenant + ".")
                    ? Optional.of(user.substring(cfg.tenant.length() + 1)) : Optional.empty();
            case VIDEO_ID -> Optional.of(user);
        };
    }

    /** Chooses codecs and suite, builds the media and the SDP answer; empty (with endReason) for 488. */
    private Optional<String> prepareMedia(GatewayCall call, List<GatewaySdp.Stream> streams) {
        GatewaySdp.Stream audio = streams.stream().filter(s -> s.media().equals("audio") && s.port() > 0).findFirst().orElse(null);
        if (audio == null) {
            call.endReason = "no audio stream offered";
            return Optional.empty();
        }
        String enc = null;
        Integer apt = null;
        for (String c : cfg.audioCodecs) {
            Optional<Integer> pt = audio.payloadType(c);
            if (pt.isPresent()) {
                enc = c;
                apt = pt.get();
                break;
            }
        }
        if (apt == null) {
            call.endReason = "no common audio codec (gateway takes " + cfg.audioCodecs + ")";
            return Optional.empty();
        }
        Optional<String> suite = Optional.empty();
        if (cfg.srtp) {
            for (String s : cfg.suites) {
                if (audio.protocol().equals("RTP/SAVP") && audio.crypto(s).isPresent()) {
                    suite = Optional.of(s);
                    break;
                }
            }
            if (suite.isEmpty()) {
                call.endReason = "the room offered no usable SRTP crypto";
                return Optional.empty();
            }
        }
        GatewaySdp.Stream video = streams.stream().filter(s -> s.media().equals("video") && s.port() > 0).findFirst().orElse(null);
        Optional<Integer> vpt = video == null ? Optional.empty() : video.payloadType("H264");
        Optional<Integer> ept = audio.payloadType("telephone-event");
        try {
            GatewayMedia.Builder mb = GatewayMedia.builder().audioPayloadType(apt)
                    .telephoneEventPayloadType(ept.orElse(101));
            vpt.ifPresent(mb::videoPayloadType);
            if (vpt.isEmpty()) {
                mb.kinds(GatewayMedia.Kind.AUDIO);
            }
            if (suite.isPresent()) {
                mb.suite(suite.get());
            } else {
                mb.plainRtp();
            }
            GatewayMedia media = mb.build();
            call.media = media;
            media.connect(GatewayMedia.Kind.AUDIO, audio.rtp(), suite.flatMap(audio::crypto));
            if (vpt.isPresent()) {
                media.connect(GatewayMedia.Kind.VIDEO, video.rtp(), suite.flatMap(video::crypto));
            }
            if (call.mode == GatewayCall.Mode.IVR) {
                StringBuilder entered = new StringBuilder();
                media.onDigit(d -> {
                    synchronized (entered) {
                        if (d == '#') {
                            String id = entered.toString();
                            entered.setLength(0);
                            onVideoId(call, id);
                        } else {
                            entered.append(d);
                        }
                    }
                });
            }
            List<GatewaySdp.Answered> answered = new ArrayList<>();
            String protocol = suite.isPresent() ? "RTP/SAVP" : "RTP/AVP";
            for (GatewaySdp.Stream s : streams) {
                if (s == audio) {
                    String rtpmap = audio.formats().get(apt);
                    answered.add(new GatewaySdp.Answered("audio", media.localRtpPort(GatewayMedia.Kind.AUDIO).getPort(),
                            protocol, apt, rtpmap, ept, suite.map(x -> "a=crypto:" + audio.cryptoTag(x).orElse("1") + " "
                            + x + " " + media.localKeyParams(GatewayMedia.Kind.AUDIO).orElseThrow()), "sendrecv"));
                } else if (s == video && vpt.isPresent()) {
                    answered.add(new GatewaySdp.Answered("video", media.localRtpPort(GatewayMedia.Kind.VIDEO).getPort(),
                            protocol, vpt.get(), "H264/90000", Optional.empty(), suite.map(x -> "a=crypto:"
                            + video.cryptoTag(x).orElse("1") + " " + x + " "
                            + media.localKeyParams(GatewayMedia.Kind.VIDEO).orElseThrow()), "sendrecv"));
                } else {
                    int pt = s.formats().keySet().stream().findFirst().orElse(0);
                    answered.add(new GatewaySdp.Answered(s.media(), 0, s.protocol(), pt, "", Optional.empty(),
                            Optional.empty(), "inactive"));
                }
            }
            return Optional.of(GatewaySdp.answer("127.0.0.1", call.sdpVersion, answered));
        } catch (IOException | RuntimeException ex) {
            call.endReason = "gateway media failed: " + ex.getMessage();
            Logger.warn("simulated gateway: {}", call.endReason);
            return Optional.empty();
        }
    }

    private void answerCall(GatewayCall call) {
        synchronized (call) {
            if (call.state != GatewayCall.State.RINGING) {
                return;
            }
            try {
                Response ok = messages.createResponse(200, call.inviteTx.getRequest());
                ((ToHeader) ok.getHeader(ToHeader.NAME)).setTag(call.toTag);
                ok.addHeader(contact());
                ok.setContent(call.answer.getBytes(StandardCharsets.UTF_8),
                        headers.createContentTypeHeader("application", "sdp"));
                if (cfg.sessionExpires != null) {
                    ok.addHeader(headers.createHeader("Session-Expires", cfg.sessionExpires.toSeconds()
                            + (cfg.gatewayRefreshes ? ";refresher=uas" : ";refresher=uac")));
                    ok.addHeader(headers.createHeader("Require", "timer"));
                }
                call.inviteTx.sendResponse(ok);
                call.dialog = call.inviteTx.getDialog();
                call.finalStatus = 200;
                call.state = GatewayCall.State.ANSWERED;
            } catch (Exception ex) {
                Logger.warn("simulated gateway: 200 failed: {}", ex.toString());
                return;
            }
        }
        if (cfg.sendMedia) {
            call.media.startSending(timers);
        }
        if (call.mode == GatewayCall.Mode.DIRECT) {
            call.state = GatewayCall.State.JOINED;
        } else {
            timers.schedule(() -> {
                if (call.state == GatewayCall.State.ANSWERED) {
                    bye(call, "SIP;cause=404;text=\"No meeting ID entered\"");
                }
            }, cfg.ivrTimeout.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void onVideoId(GatewayCall call, String id) {
        if (call.state != GatewayCall.State.ANSWERED) {
            return;
        }
        if (cfg.meetingIds.contains(id)) {
            call.meetingId = id;
            call.state = GatewayCall.State.JOINED;
            Logger.info("simulated gateway: call {} joined meeting {}", call.callId, id);
        } else {
            timers.execute(() -> bye(call, "SIP;cause=404;text=\"Unknown meeting ID\""));
        }
    }

    void reinvite(GatewayCall call, String direction) {
        try {
            call.direction = direction;
            String sdp = call.answer.replace("a=sendrecv", "a=" + direction).replace("a=sendonly", "a=" + direction)
                    .replaceFirst("o=gateway 4242 \\d+", "o=gateway 4242 " + (++call.sdpVersion));
            call.answer = sdp;
            Request r = call.dialog.createRequest(Request.INVITE);
            r.addHeader(contact());
            r.setContent(sdp.getBytes(StandardCharsets.UTF_8), headers.createContentTypeHeader("application", "sdp"));
            ClientTransaction ct = provider.getNewClientTransaction(r);
            call.dialog.sendRequest(ct);
            if ("sendonly".equals(direction) || "inactive".equals(direction)) {
                call.media.stopSending();
            } else if (cfg.sendMedia) {
                call.media.startSending(timers);
            }
        } catch (Exception e) {
            throw new IllegalStateException("re-INVITE failed: " + e.getMessage(), e);
        }
    }

    void bye(GatewayCall call, String reason) {
        synchronized (call) {
            if (call.state == GatewayCall.State.ENDED || call.state == GatewayCall.State.REJECTED || call.dialog == null) {
                return;
            }
            try {
                Request bye = call.dialog.createRequest(Request.BYE);
                if (reason.startsWith("SIP;")) {
                    bye.addHeader(headers.createHeader("Reason", reason));
                }
                ClientTransaction ct = provider.getNewClientTransaction(bye);
                call.dialog.sendRequest(ct);
                call.byeFromGateway = true;
            } catch (Exception e) {
                Logger.debug("gateway BYE failed: {}", e.toString());
            }
            end(call, reason);
        }
    }

    private void end(GatewayCall call, String reason) {
        if (call.state == GatewayCall.State.ENDED || call.state == GatewayCall.State.REJECTED) {
            return;
        }
        call.state = GatewayCall.State.ENDED;
        call.endReason = reason;
        if (call.media != null) {
            call.media.stopSending();
        }
    }

    private void reject(GatewayCall call, int status, String reason) {
        call.finalStatus = status;
        call.state = GatewayCall.State.REJECTED;
        call.endReason = reason;
        respond(call.inviteTx, status);
        if (call.media != null) {
            call.media.close();
        }
    }

    private void respondWithSdp(ServerTransaction st, Request req, GatewayCall call, String sdp) {
        try {
            Response ok = messages.createResponse(200, req);
            ok.addHeader(contact());
            if (sdp != null) {
                ok.setContent(sdp.getBytes(StandardCharsets.UTF_8), headers.createContentTypeHeader("application", "sdp"));
            }
            if (req.getHeader("Session-Expires") != null) {
                ok.addHeader(headers.createHeader("Session-Expires",
                        ((javax.sip.header.Header) req.getHeader("Session-Expires")).toString()
                                .replaceFirst("(?i)^Session-Expires:\\s*", "").trim()));
            }
            st.sendResponse(ok);
        } catch (Exception e) {
            Logger.debug("gateway re-INVITE reply failed: {}", e.toString());
        }
    }

    private void respond(ServerTransaction st, int status) {
        try {
            Response r = messages.createResponse(status, st.getRequest());
            ToHeader to = (ToHeader) r.getHeader(ToHeader.NAME);
            if (to.getTag() == null && status >= 200) {
                to.setTag(Long.toHexString(RANDOM.nextLong() & 0xffffffffL));
            }
            st.sendResponse(r);
        } catch (Exception e) {
            Logger.debug("gateway {} failed: {}", status, e.toString());
        }
    }

    private ContactHeader contact() throws java.text.ParseException {
        SipURI c = addresses.createSipURI("gateway", "127.0.0.1");
        c.setPort(port);
        c.setTransportParam(cfg.transport.name().toLowerCase(Locale.ROOT));
        return headers.createContactHeader(addresses.createAddress(c));
    }

    // ---- digest -------------------------------------------------------------------------------

    private final Set<String> nonces = ConcurrentHashMap.newKeySet();

    private boolean authorized(ServerTransaction st, Request req) {
        if (cfg.authUser == null) {
            return true;
        }
        boolean proxy = cfg.challengeStatus == 407 && Request.INVITE.equals(req.getMethod());
        javax.sip.header.AuthorizationHeader a = (javax.sip.header.AuthorizationHeader) req.getHeader(
                proxy ? "Proxy-Authorization" : "Authorization");
        if (a != null && nonces.contains(a.getNonce()) && cfg.authUser.equals(a.getUsername())) {
            String ha1 = md5(cfg.authUser + ":" + cfg.realm + ":" + cfg.authPassword);
            String ha2 = md5(req.getMethod() + ":" + a.getURI());
            String expected = a.getQop() != null
                    ? md5(ha1 + ":" + a.getNonce() + ":" + a.getParameter("nc") + ":" + a.getCNonce() + ":" + a.getQop() + ":" + ha2)
                    : md5(ha1 + ":" + a.getNonce() + ":" + ha2);
            if (expected.equalsIgnoreCase(a.getResponse())) {
                return true;
            }
        }
        try {
            Response r = messages.createResponse(proxy ? 407 : 401, req);
            ((ToHeader) r.getHeader(ToHeader.NAME)).setTag(Long.toHexString(RANDOM.nextLong() & 0xffffffffL));
            String nonce = HexFormat.of().formatHex(RANDOM.generateSeed(8));
            nonces.add(nonce);
            javax.sip.header.WWWAuthenticateHeader w = proxy
                    ? (javax.sip.header.WWWAuthenticateHeader) headers.createProxyAuthenticateHeader("Digest")
                    : headers.createWWWAuthenticateHeader("Digest");
            w.setRealm(cfg.realm);
            w.setNonce(nonce);
            w.setAlgorithm("MD5");
            if (cfg.qop) {
                w.setQop("auth");
            }
            r.addHeader(w);
            st.sendResponse(r);
        } catch (Exception e) {
            Logger.debug("gateway 401 failed: {}", e.toString());
        }
        return false;
    }

    private static String md5(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How the simulated gateway behaves. */
    public static final class Builder {
        private Transport transport = Transport.TLS;
        private int port;
        private boolean needClientAuth;
        private SSLContext sslContext;
        private String domain = "gateway.test";
        private String tenant = "contoso";
        private String ivrUser;
        private DirectForm directForm = DirectForm.VIDEO_ID_DOT_TENANT;
        private Set<String> meetingIds = Set.of("123456789");
        private Duration ivrTimeout = Duration.ofSeconds(10);
        private Duration answerDelay = Duration.ZERO;
        private boolean ringing = true;
        private boolean busy;
        private boolean srtp = true;
        private List<String> suites = List.of("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32");
        private List<String> audioCodecs = List.of("opus", "G722", "PCMU", "PCMA");
        private String authUser;
        private String authPassword;
        private String realm = "gateway.test";
        private int challengeStatus = 401;
        private boolean qop;
        private boolean registrar;
        private Duration registerExpires = Duration.ofSeconds(600);
        private boolean sendMedia = true;
        private Duration sessionExpires;
        private boolean gatewayRefreshes;

        public Builder transport(Transport t) { transport = t; return this; }
        /** Mutual TLS: the room must present a certificate the gateway's context trusts. */
        public Builder needClientAuth(boolean n) { needClientAuth = n; return this; }
        /** A fixed port (to bring a gateway back where it was); 0, the default, picks a free one. */
        public Builder port(int p) { port = p; return this; }
        /** Server TLS context, e.g. {@code pki.sslContext(pki.issueServer("gateway"))}. */
        public Builder sslContext(SSLContext c) { sslContext = c; return this; }
        public Builder domain(String d) { domain = d; return this; }
        public Builder tenant(String t) { tenant = t; return this; }
        /** The IVR's user part; defaults to the tenant (Cisco, Poly); Pexip uses {@code teams}. */
        public Builder ivrUser(String u) { ivrUser = u; return this; }
        public Builder directForm(DirectForm f) { directForm = f; return this; }
        public Builder meetingIds(String... ids) { meetingIds = Set.of(ids); return this; }
        public Builder ivrTimeout(Duration d) { ivrTimeout = d; return this; }
        public Builder answerDelay(Duration d) { answerDelay = d; return this; }
        public Builder ringing(boolean r) { ringing = r; return this; }
        public Builder busy(boolean b) { busy = b; return this; }
        /** False: answer with plain RTP/AVP (a gateway without SRTP). */
        public Builder srtp(boolean s) { srtp = s; return this; }
        /** SRTP suites accepted, in preference order. */
        public Builder suites(String... s) { suites = List.of(s); return this; }
        /** Audio encodings accepted, in preference order (none in common: 488). */
        public Builder audioCodecs(String... c) { audioCodecs = List.of(c); return this; }
        /** Challenge INVITE and REGISTER with digest (401) for these credentials. */
        public Builder digest(String user, String password) { authUser = user; authPassword = password; return this; }
        public Builder realm(String r) { realm = r; return this; }
        /** Challenge INVITEs as a proxy would (407, Proxy-Authenticate) instead of 401. */
        public Builder proxyChallenge(boolean p) { challengeStatus = p ? 407 : 401; return this; }
        /** Ask for qop=auth (RFC 2617 3.2.1) in the challenge. */
        public Builder qop(boolean q) { qop = q; return this; }
        /** Also act as a registrar. */
        public Builder registrar(boolean r) { registrar = r; return this; }
        /** Longest registration the registrar grants. */
        public Builder registerExpires(Duration d) { registerExpires = d; return this; }
        /** Send paced media back to the room (default on). */
        public Builder sendMedia(boolean s) { sendMedia = s; return this; }
        /** Put Session-Expires with refresher=uac in the 200 (the room then refreshes). */
        public Builder sessionExpires(Duration d) { sessionExpires = d; return this; }
        /** Claim refresher=uas instead, and then never refresh (the room must end the stale session). */
        public Builder claimRefresherButNeverRefresh(boolean b) { gatewayRefreshes = b; return this; }

        String ivrUser() {
            return ivrUser != null ? ivrUser : tenant;
        }

        public SimGateway build() {
            return new SimGateway(this);
        }
    }
}
