package io.roomwire.sim.cloud.mdm;

import com.google.gson.JsonObject;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.roomwire.sim.cloud.CloudState;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import org.tinylog.Logger;
import org.w3c.dom.Element;

/**
 * A simulated MDM service speaking the real wire protocols on 127.0.0.1: MS-MDE2 discovery,
 * MS-XCEP policy and MS-WSTEP enrollment/renewal (SOAP 1.2 over HTTPS; client certificates issued
 * from its own MDM CA), and an MS-MDM OMA-DM endpoint (SyncML 1.2 over mutual TLS) that reads
 * DevDetail/DeviceStatus, writes the Roomwire policy nodes, evaluates compliance and answers
 * {@link #nonComplianceReason(String)} for the simulated Entra's conditional access.
 *
 * <p>Admin API (Java): {@link #setPolicy}, {@link #devices()}, {@link #unenroll}, {@link #enqueue}
 * for arbitrary commands, and fault injection ({@link #failNext}, {@link #malformedNext}). The same
 * over HTTP on the enrollment port under {@code /_admin/} (form or query parameters, JSON answers):
 * {@code GET devices}, {@code POST policy} ({@code minimum_firmware}, {@code require_encryption},
 * {@code block_debug_mode}, {@code max_calendar_staleness_minutes}), {@code POST unenroll}
 * ({@code device_id}), {@code POST fail} ({@code endpoint}, {@code status}, {@code count},
 * {@code retry_after_seconds}).
 */
public final class SimMdm implements AutoCloseable {

    public static final String PROVIDER_ID = "RoomwireSimMDM";
    public static final String DISCOVERY_PATH = "/EnrollmentServer/Discovery.svc";
    public static final String POLICY_PATH = "/EnrollmentServer/Policy.svc";
    public static final String ENROLLMENT_PATH = "/EnrollmentServer/Enrollment.svc";
    public static final String MANAGEMENT_PATH = "/ManagementServer/MDM.svc";
    /** Which endpoint a fault is injected into. */
    public enum Endpoint { DISCOVERY, POLICY, ENROLLMENT, MANAGEMENT }

    static final String NS_S = "http://www.w3.org/2003/05/soap-envelope";
    static final String NS_A = "http://www.w3.org/2005/08/addressing";
    static final String NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    static final String NS_ENROLL = "http://schemas.microsoft.com/windows/management/2012/01/enrollment";
    static final String NS_XCEP = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy";
    static final String NS_WSTEP = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment";
    static final String NS_WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    static final String PROVISION_DOC = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc";
    static final String BASE64 = NS_WSSE + "#base64binary";

    /** The compliance policy the admin set; empty/false means "not enforced". */
    public record Policy(Optional<String> minimumFirmware, boolean requireEncryption, boolean blockDebugMode,
                         Optional<Integer> maxCalendarStalenessMinutes) {
        public static Policy none() {
            return new Policy(Optional.empty(), false, false, Optional.empty());
        }

        public Policy withMinimumFirmware(String v) {
            return new Policy(Optional.of(v), requireEncryption, blockDebugMode, maxCalendarStalenessMinutes);
        }

        public Policy withRequireEncryption(boolean v) {
            return new Policy(minimumFirmware, v, blockDebugMode, maxCalendarStalenessMinutes);
        }

        public Policy withBlockDebugMode(boolean v) {
            return new Policy(minimumFirmware, requireEncryption, v, maxCalendarStalenessMinutes);
        }

        public Policy withMaxCalendarStalenessMinutes(int v) {
            return new Policy(minimumFirmware, requireEncryption, blockDebugMode, Optional.of(v));
        }
    }

    /** What the admin sees of a device. */
    public record DeviceView(String deviceId, String upn, String deviceName, boolean enrolled, Optional<Boolean> compliant,
                             List<String> reasons, Map<String, String> reported, int sessions, int renewals,
                             X509Certificate certificate, Optional<Instant> lastCheckIn) {
    }

    /** The device's answer to a command the admin queued: command, target and status code. */
    public record Answer(String cmd, String target, int code) {
    }

    /** One HTTP exchange on an endpoint: bytes of the request and response bodies. */
    public record Exchange(Endpoint endpoint, int status, int requestBytes, int responseBytes) {
    }

    private record Fault(int status, Optional<Duration> retryAfter) {
    }

    private static final class Device {
        final String deviceId;
        final String upn;
        final String deviceName;
        volatile X509Certificate cert;
        volatile boolean enrolled = true;
        volatile boolean pendingUnenroll;
        volatile Boolean compliant;
        volatile List<String> reasons = List.of();
        final Map<String, String> reported = new ConcurrentHashMap<>();
        final List<String[]> queued = new CopyOnWriteArrayList<>();
        final List<Answer> answers = new CopyOnWriteArrayList<>();
        volatile int policyRevision = -1;
        final AtomicInteger sessions = new AtomicInteger();
        final AtomicInteger renewals = new AtomicInteger();
        volatile Instant lastCheckIn;
        /** What was last written to the cloud's state (a check-in that changed nothing writes nothing). */
        volatile String kept;

        Device(String deviceId, String upn, String deviceName, X509Certificate cert) {
            this.deviceId = deviceId;
            this.upn = upn;
            this.deviceName = deviceName;
            this.cert = cert;
        }
    }

    /** A command the server sent in a session: for checking the device's MsgRef/CmdRef. */
    private record Sent(String cmd, String target, boolean queued, int policyRevision) {
    }

    private static final class Session {
        final String id;
        int clientMsgId;
        int serverMsgId;
        final List<String[]> pending = new ArrayList<>();
        final Map<String, Sent> sent = new ConcurrentHashMap<>();
        boolean gotResults;

        Session(String id) {
            this.id = id;
        }
    }

    static final String[] STATE_NODES = {
        "./DevDetail/SwV", "./DevDetail/FwV", "./DevDetail/HwV", "./DevDetail/OEM",
        "./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance", "./Vendor/MSFT/DeviceStatus/SecureBootState",
        "./Vendor/Roomwire/State/DebugEnabled", "./Vendor/Roomwire/State/CalendarStalenessMinutes",
        "./Vendor/Roomwire/State/Compliant"};

    static {
        // The JDK server writes headers and body separately: without TCP_NODELAY each exchange waits
        // ~40 ms for a delayed ACK (measured: no-change check-in 105 ms -> 16 ms on loopback).
        // Read once per JVM when the first HttpServer starts, so it only helps if set before that.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final SimTokenAuthority authority;
    private final CloudState state;
    private final SimPki mdmCa;
    private final HttpsServer enrollServer;
    private final HttpsServer mgmtServer;
    private final ExecutorService executor;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Map<Endpoint, List<Fault>> faults = new ConcurrentHashMap<>();
    private final AtomicInteger malformed = new AtomicInteger();
    private final List<String> protocolErrors = new CopyOnWriteArrayList<>();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final List<String> deniedUsers = new CopyOnWriteArrayList<>();
    private volatile Policy policy = Policy.none();
    private final AtomicInteger policyRevision = new AtomicInteger();
    private volatile Duration certificateValidity = Duration.ofDays(365);
    private volatile int renewPeriodDays = 42;
    private volatile int[] poll = {5, 3, 8, 15, 0, 480};
    private volatile int maxCommandsPerMessage = 100;

    public SimMdm(SimTokenAuthority authority, SimPki serverPki) {
        this(authority, serverPki, CloudState.NONE);
    }

    /**
     * A simulated MDM that keeps its CA, its addresses and its devices in {@code state}, and serves what a previous
     * run kept there: a device's stored enrollment names the management and enrollment URLs, so they keep their
     * ports (when another process took one meanwhile, a new port is used and said so: such devices cannot check in).
     */
    public SimMdm(SimTokenAuthority authority, SimPki serverPki, CloudState state) {
        this.authority = authority;
        this.state = state;
        this.mdmCa = SimPki.durable("Sim MDM", state, "mdm-ca");
        int[] ports = keptPorts();
        // 16 threads and a backlog of 1,024: a fleet of 1,000 rooms enrolls and checks in at once (as SimEntra)
        this.executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "sim-mdm");
            t.setDaemon(true);
            return t;
        });
        try {
            SSLContext ctx = serverContext(serverPki);
            this.enrollServer = server(ctx, false, ports[0]);
            this.mgmtServer = server(ctx, true, ports[1]);
        } catch (IOException | GeneralSecurityException e) {
            executor.shutdownNow();
            throw new IllegalStateException("Cannot start the simulated MDM: " + e.getMessage(), e);
        }
        restoreDevices();
        keepPorts();
        enrollServer.createContext(DISCOVERY_PATH, ex -> handle(ex, Endpoint.DISCOVERY));
        enrollServer.createContext(POLICY_PATH, ex -> handle(ex, Endpoint.POLICY));
        enrollServer.createContext(ENROLLMENT_PATH, ex -> handle(ex, Endpoint.ENROLLMENT));
        mgmtServer.createContext(MANAGEMENT_PATH, ex -> handle(ex, Endpoint.MANAGEMENT));
        enrollServer.createContext("/_admin/", this::admin);
        enrollServer.start();
        mgmtServer.start();
        Logger.info("Simulated MDM: enrollment {}, management {}", discoveryUrl(), managementUrl());
    }

    private HttpsServer server(SSLContext ctx, boolean needClientAuth, int port) throws IOException {
        HttpsServer s;
        try {
            s = HttpsServer.create(new InetSocketAddress(SimPki.loopback(), port), 1024);
        } catch (java.net.BindException e) {
            Logger.warn("Simulated MDM: port {} (kept from a previous run) is taken ({}); devices enrolled then cannot "
                    + "check in until they enroll again", port, e.getMessage());
            s = HttpsServer.create(new InetSocketAddress(SimPki.loopback(), 0), 1024);
        }
        s.setHttpsConfigurator(new HttpsConfigurator(ctx) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = ctx.getDefaultSSLParameters();
                if (needClientAuth) {
                    p.setNeedClientAuth(true);
                } else {
                    p.setWantClientAuth(true);
                }
                params.setSSLParameters(p);
            }
        });
        s.setExecutor(executor);
        return s;
    }

    /** Server certificate from the cloud PKI; client certificates must chain to the MDM CA. */
    private SSLContext serverContext(SimPki serverPki) throws GeneralSecurityException, IOException {
        SimPki.Issued id = serverPki.issueServer("Sim MDM");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", id.key(), new char[0], new Certificate[] {id.certificate(), serverPki.caCertificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("mdm-ca", mdmCa.caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    // ---------------------------------------------------------------- admin API

    public URI discoveryUrl() {
        return URI.create("https://127.0.0.1:" + enrollServer.getAddress().getPort() + DISCOVERY_PATH);
    }

    public URI enrollmentUrl() {
        return URI.create("https://127.0.0.1:" + enrollServer.getAddress().getPort() + ENROLLMENT_PATH);
    }

    public URI managementUrl() {
        return URI.create("https://127.0.0.1:" + mgmtServer.getAddress().getPort() + MANAGEMENT_PATH);
    }

    /** The CA that issues device client certificates (the provisioning document's root). */
    public SimPki mdmCa() {
        return mdmCa;
    }

    /** Sets the compliance policy; devices receive it at their next check-in. */
    public SimMdm setPolicy(Policy p) {
        policy = p;
        policyRevision.incrementAndGet();
        Logger.info("Simulated MDM policy is now {}", p);
        return this;
    }

    public Policy policy() {
        return policy;
    }

    public SimMdm setCertificateValidity(Duration d) {
        certificateValidity = d;
        return this;
    }

    public SimMdm setRenewPeriodDays(int days) {
        renewPeriodDays = days;
        return this;
    }

    /** The DMClient poll schedule sent in the provisioning document (counts and minutes). */
    public SimMdm setPollSchedule(int firstCount, int firstMinutes, int secondCount, int secondMinutes,
                                  int remainingCount, int remainingMinutes) {
        poll = new int[] {firstCount, firstMinutes, secondCount, secondMinutes, remainingCount, remainingMinutes};
        return this;
    }

    /** Splits server packages into messages of at most {@code n} commands (multi-message sessions). */
    public SimMdm setMaxCommandsPerMessage(int n) {
        maxCommandsPerMessage = Math.max(1, n);
        return this;
    }

    /** Enrollment of {@code upn} is refused with {@code s:authorization}. */
    public SimMdm denyUser(String upn) {
        deniedUsers.add(upn.toLowerCase(Locale.ROOT));
        return this;
    }

    /** The next {@code count} requests to {@code endpoint} fail with {@code status} (and Retry-After). */
    public SimMdm failNext(Endpoint endpoint, int status, int count, Optional<Duration> retryAfter) {
        List<Fault> l = faults.computeIfAbsent(endpoint, k -> new CopyOnWriteArrayList<>());
        for (int i = 0; i < count; i++) {
            l.add(new Fault(status, retryAfter));
        }
        return this;
    }

    /** Drops every injected failure. */
    public SimMdm clearFaults() {
        faults.clear();
        return this;
    }

    /** The next {@code count} OMA-DM responses are malformed SyncML. */
    public SimMdm malformedNext(int count) {
        malformed.set(count);
        return this;
    }

    /** Queues a command ({@code Get}, {@code Replace}, {@code Add}, {@code Delete}, {@code Exec}) for the device's next session. */
    public SimMdm enqueue(String deviceId, String cmd, String target, Optional<String> data) {
        device(deviceId).orElseThrow();
        devices.get(deviceId).queued.add(new String[] {cmd, target, data.orElse(null)});
        return this;
    }

    /** The device's status answers to queued commands, in order. */
    public List<Answer> answers(String deviceId) {
        Device d = devices.get(deviceId);
        return d == null ? List.of() : List.copyOf(d.answers);
    }

    /** The server unenrolls the device at its next check-in ({@code Exec .../DMClient/Provider/{id}/Unenroll}). */
    public SimMdm unenroll(String deviceId) {
        Device d = devices.get(deviceId);
        if (d != null) {
            d.pendingUnenroll = true;
            keep(d);
        }
        return this;
    }

    public Optional<DeviceView> device(String deviceId) {
        return Optional.ofNullable(devices.get(deviceId)).map(SimMdm::view);
    }

    public List<DeviceView> devices() {
        return devices.values().stream().map(SimMdm::view).toList();
    }

    private static DeviceView view(Device d) {
        return new DeviceView(d.deviceId, d.upn, d.deviceName, d.enrolled, Optional.ofNullable(d.compliant), d.reasons,
                Map.copyOf(d.reported), d.sessions.get(), d.renewals.get(), d.cert, Optional.ofNullable(d.lastCheckIn));
    }

    /**
     * Conditional access: why the device enrolled as {@code upn} is not compliant; empty when it is
     * compliant, not yet evaluated, or not enrolled (so that a device can sign in to enroll).
     */
    public Optional<String> nonComplianceReason(String upn) {
        for (Device d : devices.values()) {
            if (d.enrolled && d.upn.equalsIgnoreCase(upn) && Boolean.FALSE.equals(d.compliant)) {
                return Optional.of(String.join("; ", d.reasons));
            }
        }
        return Optional.empty();
    }

    /** Protocol rule violations seen from devices (wrong MsgRef/CmdRef, unknown session...): should stay empty. */
    public List<String> protocolErrors() {
        return List.copyOf(protocolErrors);
    }

    public List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    public void clearExchanges() {
        exchanges.clear();
    }

    @Override
    public void close() {
        enrollServer.stop(0);
        mgmtServer.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- kept state

    static final String PORTS_ENTRY = "mdm-ports";
    static final String DEVICE_ENTRY_PREFIX = "mdm-device-";

    /** The enrollment and management ports a previous run kept (0: any free port). */
    private int[] keptPorts() {
        try {
            Optional<byte[]> kept = state.read(PORTS_ENTRY);
            if (kept.isEmpty()) {
                return new int[] {0, 0};
            }
            JsonObject o = com.google.gson.JsonParser.parseString(new String(kept.get(), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            return new int[] {o.get("enrollment").getAsInt(), o.get("management").getAsInt()};
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Simulated MDM cannot read its kept ports: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Simulated MDM's kept ports (" + PORTS_ENTRY + ") cannot be read: " + e, e);
        }
    }

    private void keepPorts() {
        JsonObject o = new JsonObject();
        o.addProperty("enrollment", enrollServer.getAddress().getPort());
        o.addProperty("management", mgmtServer.getAddress().getPort());
        write(PORTS_ENTRY, () -> o.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    /** Writes the device's registration, certificate and last compliance to the state when they changed. */
    private void keep(Device d) {
        try {
            write(DEVICE_ENTRY_PREFIX + d.deviceId, () -> {
                String now = deviceState(d).toString();
                if (now.equals(d.kept)) {
                    return null;
                }
                d.kept = now;
                return now.getBytes(StandardCharsets.UTF_8);
            }, true);
        } catch (RuntimeException e) {
            d.kept = null; // not written: the next change writes it again
            throw e;
        }
    }

    private void write(String entry, java.util.function.Supplier<byte[]> data, boolean secret) {
        try {
            state.write(entry, data, secret);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Simulated MDM cannot keep " + entry + ": " + e.getMessage(), e);
        }
    }

    private static JsonObject deviceState(Device d) {
        JsonObject o = new JsonObject();
        o.addProperty("deviceId", d.deviceId);
        o.addProperty("upn", d.upn);
        o.addProperty("deviceName", d.deviceName);
        try {
            o.addProperty("certificate", Base64.getEncoder().encodeToString(d.cert.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
        o.addProperty("enrolled", d.enrolled);
        o.addProperty("pendingUnenroll", d.pendingUnenroll);
        if (d.compliant != null) {
            o.addProperty("compliant", d.compliant);
        }
        com.google.gson.JsonArray reasons = new com.google.gson.JsonArray();
        d.reasons.forEach(reasons::add);
        o.add("reasons", reasons);
        JsonObject reported = new JsonObject();
        new java.util.TreeMap<>(d.reported).forEach(reported::addProperty);
        o.add("reported", reported);
        return o;
    }

    private void restoreDevices() {
        try {
            for (String entry : state.entries(DEVICE_ENTRY_PREFIX)) {
                Optional<byte[]> kept = state.read(entry);
                if (kept.isEmpty()) {
                    continue;
                }
                String text = new String(kept.get(), StandardCharsets.UTF_8);
                JsonObject o = com.google.gson.JsonParser.parseString(text).getAsJsonObject();
                Device d = new Device(o.get("deviceId").getAsString(), o.get("upn").getAsString(),
                        o.get("deviceName").getAsString(),
                        SimPki.parseCertificate(Base64.getDecoder().decode(o.get("certificate").getAsString())));
                d.enrolled = o.get("enrolled").getAsBoolean();
                d.pendingUnenroll = o.get("pendingUnenroll").getAsBoolean();
                d.compliant = o.has("compliant") ? o.get("compliant").getAsBoolean() : null;
                List<String> reasons = new ArrayList<>();
                o.getAsJsonArray("reasons").forEach(r -> reasons.add(r.getAsString()));
                d.reasons = List.copyOf(reasons);
                o.getAsJsonObject("reported").entrySet().forEach(e -> d.reported.put(e.getKey(), e.getValue().getAsString()));
                d.kept = text;
                devices.put(d.deviceId, d);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Simulated MDM cannot read its kept devices: " + e.getMessage(), e);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalStateException("Simulated MDM's kept devices cannot be read: " + e, e);
        }
        if (!devices.isEmpty()) {
            Logger.info("Simulated MDM: {} devices kept from a previous run", devices.size());
        }
    }

    // ---------------------------------------------------------------- admin API (HTTP)

    private void admin(HttpExchange ex) throws IOException {
        String op = ex.getRequestURI().getPath().substring("/_admin/".length());
        Map<String, String> p = new LinkedHashMap<>();
        String query = ex.getRequestURI().getRawQuery();
        String form;
        try (InputStream in = ex.getRequestBody()) {
            form = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
        }
        for (String part : ((query == null ? "" : query) + "&" + form).split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                p.put(java.net.URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        JsonObject r = new JsonObject();
        int status = 200;
        try {
            switch (op) {
                case "devices" -> {
                    com.google.gson.JsonArray a = new com.google.gson.JsonArray();
                    for (DeviceView d : devices()) {
                        JsonObject o = new JsonObject();
                        o.addProperty("deviceId", d.deviceId());
                        o.addProperty("upn", d.upn());
                        o.addProperty("deviceName", d.deviceName());
                        o.addProperty("enrolled", d.enrolled());
                        d.compliant().ifPresent(c -> o.addProperty("compliant", c));
                        o.addProperty("reasons", String.join("; ", d.reasons()));
                        o.addProperty("sessions", d.sessions());
                        o.addProperty("renewals", d.renewals());
                        d.lastCheckIn().ifPresent(t -> o.addProperty("lastCheckIn", t.toString()));
                        JsonObject rep = new JsonObject();
                        d.reported().forEach(rep::addProperty);
                        o.add("reported", rep);
                        a.add(o);
                    }
                    r.add("devices", a);
                }
                case "policy" -> {
                    Policy pol = Policy.none();
                    if (!p.getOrDefault("minimum_firmware", "").isBlank()) {
                        pol = pol.withMinimumFirmware(p.get("minimum_firmware").trim());
                    }
                    pol = pol.withRequireEncryption(Boolean.parseBoolean(p.get("require_encryption")))
                            .withBlockDebugMode(Boolean.parseBoolean(p.get("block_debug_mode")));
                    if (!p.getOrDefault("max_calendar_staleness_minutes", "").isBlank()) {
                        pol = pol.withMaxCalendarStalenessMinutes(Integer.parseInt(p.get("max_calendar_staleness_minutes").trim()));
                    }
                    setPolicy(pol);
                    r.addProperty("ok", true);
                }
                case "unenroll" -> {
                    boolean known = devices.containsKey(p.getOrDefault("device_id", ""));
                    unenroll(p.getOrDefault("device_id", ""));
                    r.addProperty("ok", known);
                }
                case "fail" -> {
                    String after = p.get("retry_after_seconds");
                    failNext(Endpoint.valueOf(p.getOrDefault("endpoint", "").toUpperCase(Locale.ROOT)),
                            Integer.parseInt(p.getOrDefault("status", "500")), Integer.parseInt(p.getOrDefault("count", "1")),
                            after == null ? Optional.empty() : Optional.of(Duration.ofSeconds(Long.parseLong(after))));
                    r.addProperty("ok", true);
                }
                default -> {
                    status = 404;
                    r.addProperty("error", "unknown admin operation " + op);
                }
            }
        } catch (IllegalArgumentException e) {
            status = 400;
            r.addProperty("error", "bad parameter: " + e.getMessage());
        }
        byte[] b = r.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    // ---------------------------------------------------------------- HTTP

    private void handle(HttpExchange ex, Endpoint ep) throws IOException {
        byte[] req;
        try (InputStream in = ex.getRequestBody()) {
            req = in.readNBytes(1 << 20);
        }
        int status = 200;
        byte[] resp;
        String type = "application/soap+xml; charset=utf-8";
        try {
            List<Fault> f = faults.getOrDefault(ep, List.of());
            Fault fault = f.isEmpty() ? null : f.remove(0);
            if (fault != null) {
                status = fault.status();
                fault.retryAfter().ifPresent(d -> ex.getResponseHeaders().add("Retry-After", Long.toString(d.toSeconds())));
                resp = ("Simulated failure " + status).getBytes(StandardCharsets.UTF_8);
                type = "text/plain";
            } else if (ep == Endpoint.DISCOVERY && "GET".equals(ex.getRequestMethod())) {
                resp = new byte[0];
            } else if (!"POST".equals(ex.getRequestMethod())) {
                status = 405;
                resp = new byte[0];
            } else if (ep == Endpoint.MANAGEMENT) {
                type = "application/vnd.syncml.dm+xml";
                Optional<X509Certificate> peer = peer(ex);
                Device d = peer.flatMap(this::deviceFor).orElse(null);
                if (d == null) {
                    status = 403;
                    resp = "unknown or unenrolled device certificate".getBytes(StandardCharsets.UTF_8);
                    type = "text/plain";
                } else if (malformed.getAndUpdate(m -> Math.max(0, m - 1)) > 0) {
                    resp = "<SyncML xmlns=\"SYNCML:SYNCML1.2\"><SyncHdr><VerDTD>1.2</VerDTD><Broken".getBytes(StandardCharsets.UTF_8);
                } else {
                    resp = syncMl(d, req);
                    keep(d);
                    if (resp == null) {
                        status = 400;
                        resp = "malformed SyncML".getBytes(StandardCharsets.UTF_8);
                        type = "text/plain";
                    }
                }
            } else {
                Element env = SimXml.parse(req);
                Soap r = switch (ep) {
                    case DISCOVERY -> discover(env);
                    case POLICY -> policies(env);
                    default -> enroll(env, peer(ex));
                };
                status = r.status;
                resp = r.body.getBytes(StandardCharsets.UTF_8);
            }
        } catch (Exception e) {
            Logger.info("Simulated MDM: bad request to {}: {}", ep, e.toString());
            status = 500;
            resp = fault("s:Receiver", "s:messageformat", "Unreadable request: " + e.getMessage())
                    .getBytes(StandardCharsets.UTF_8);
        }
        exchanges.add(new Exchange(ep, status, req.length, resp.length));
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, resp.length == 0 ? -1 : resp.length);
        if (resp.length > 0) {
            ex.getResponseBody().write(resp);
        }
        ex.close();
    }

    private static Optional<X509Certificate> peer(HttpExchange ex) {
        if (ex instanceof HttpsExchange h) {
            try {
                Certificate[] c = h.getSSLSession().getPeerCertificates();
                return c.length > 0 && c[0] instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
            } catch (SSLPeerUnverifiedException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private Optional<Device> deviceFor(X509Certificate cert) {
        return devices.values().stream().filter(d -> d.enrolled && d.cert.getPublicKey().equals(cert.getPublicKey()))
                .findFirst();
    }

    // ---------------------------------------------------------------- SOAP: MS-MDE2

    private record Soap(int status, String body) {
    }

    private static SimXml.W envelope(String action) {
        SimXml.W w = new SimXml.W();
        w.b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        w.open("s:Envelope", "xmlns:s", NS_S, "xmlns:a", NS_A)
                .open("s:Header").leaf("a:Action", action, "s:mustUnderstand", "1")
                .leaf("ActivityId", java.util.UUID.randomUUID().toString()).close()
                .open("s:Body");
        return w;
    }

    static String fault(String code, String subcode, String text) {
        SimXml.W w = envelope("http://www.w3.org/2005/08/addressing/soap/fault");
        w.open("s:Fault").open("s:Code").leaf("s:Value", "s:Receiver").open("s:Subcode").leaf("s:Value", subcode)
                .close().close().open("s:Reason").leaf("s:Text", text, "xml:lang", "en-US").close().close();
        return w.close().close().toString();
    }

    private Soap discover(Element env) {
        Optional<Element> req = SimXml.find(env, "Discover");
        if (req.isEmpty()) {
            return new Soap(500, fault("s:Receiver", "s:messageformat", "The request is not a Discover message"));
        }
        String email = SimXml.find(req.get(), "EmailAddress").map(e -> e.getTextContent().trim()).orElse("");
        Logger.debug("Simulated MDM discovery for {}", email);
        String base = "https://127.0.0.1:" + enrollServer.getAddress().getPort();
        SimXml.W w = envelope(NS_ENROLL + "/IDiscoveryService/DiscoverResponse");
        w.open("DiscoverResponse", "xmlns", NS_ENROLL).open("DiscoverResult")
                .leaf("AuthPolicy", "Federated").leaf("EnrollmentVersion", "4.0")
                .leaf("EnrollmentPolicyServiceUrl", base + POLICY_PATH)
                .leaf("EnrollmentServiceUrl", base + ENROLLMENT_PATH)
                .leaf("AuthenticationServiceUrl", base + "/EnrollmentServer/Authenticate")
                .close().close();
        return new Soap(200, w.close().close().toString());
    }

    /** Verifies the Entra access token in the WS-Security header; the claims, or a fault. */
    private Object verifyToken(Element env) {
        Optional<Element> bst = SimXml.at(env, "Header", "Security", "BinarySecurityToken");
        if (bst.isEmpty()) {
            return new Soap(500, fault("s:Receiver", "s:authentication", "No BinarySecurityToken in the request"));
        }
        String jwt;
        try {
            jwt = new String(Base64.getMimeDecoder().decode(bst.get().getTextContent().trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Soap(500, fault("s:Receiver", "s:authentication", "The security token is not base64"));
        }
        StringBuilder why = new StringBuilder();
        Optional<JsonObject> claims = authority.verify(jwt, SimTokenAuthority.GRAPH_AUDIENCE, why);
        if (claims.isEmpty()) {
            return new Soap(500, fault("s:Receiver", "s:authentication", "The access token was not accepted: " + why));
        }
        return claims.get();
    }

    private static String upnOf(JsonObject claims) {
        if (claims.has("upn")) {
            return claims.get("upn").getAsString();
        }
        return claims.has("preferred_username") ? claims.get("preferred_username").getAsString() : "";
    }

    private Soap policies(Element env) {
        Object v = verifyToken(env);
        if (v instanceof Soap s) {
            return s;
        }
        SimXml.W w = envelope(NS_XCEP + "/IPolicy/GetPoliciesResponse");
        String xsi = "http://www.w3.org/2001/XMLSchema-instance";
        w.open("GetPoliciesResponse", "xmlns", NS_XCEP, "xmlns:xsi", xsi).open("response")
                .empty("policyID").empty("policyFriendlyName", "xsi:nil", "true")
                .empty("nextUpdateHours", "xsi:nil", "true").empty("policiesNotChanged", "xsi:nil", "true")
                .open("policies").open("policy").leaf("policyOIDReference", "0").empty("cAs", "xsi:nil", "true")
                .open("attributes").leaf("commonName", "RoomwireSimMDM").leaf("policySchema", "3")
                .open("certificateValidity").leaf("validityPeriodSeconds", Long.toString(certificateValidity.toSeconds()))
                .leaf("renewalPeriodSeconds", Long.toString(Duration.ofDays(renewPeriodDays).toSeconds())).close()
                .open("permission").leaf("enroll", "true").leaf("autoEnroll", "false").close()
                .open("privateKeyAttributes").leaf("minimalKeyLength", "2048").close()
                .open("revision").leaf("majorRevision", "101").leaf("minorRevision", "0").close()
                .leaf("hashAlgorithmOIDReference", "0")
                .close().close().close().close()
                .empty("cAs", "xsi:nil", "true")
                .open("oIDs").open("oID").leaf("value", "2.16.840.1.101.3.4.2.1").leaf("group", "1")
                .leaf("oIDReferenceID", "0").leaf("defaultName", "szOID_NIST_sha256").close().close()
                .close();
        return new Soap(200, w.close().close().toString());
    }

    private Soap enroll(Element env, Optional<X509Certificate> peer) throws GeneralSecurityException {
        Optional<Element> rst = SimXml.find(env, "RequestSecurityToken");
        if (rst.isEmpty()) {
            return new Soap(500, fault("s:Receiver", "s:messageformat", "The request is not a RequestSecurityToken"));
        }
        String requestType = SimXml.text(rst.get(), "RequestType");
        Optional<Element> csrEl = SimXml.kids(rst.get(), "BinarySecurityToken").stream().findFirst();
        if (csrEl.isEmpty() || !csrEl.get().getAttribute("ValueType").endsWith("#PKCS10")) {
            return new Soap(500, fault("s:Receiver", "s:messageformat", "No PKCS#10 BinarySecurityToken"));
        }
        byte[] csr = Base64.getMimeDecoder().decode(csrEl.get().getTextContent().trim());
        Map<String, String> context = new LinkedHashMap<>();
        SimXml.find(rst.get(), "AdditionalContext").ifPresent(ac -> {
            for (Element item : SimXml.kids(ac, "ContextItem")) {
                context.put(item.getAttribute("Name"), SimXml.text(item, "Value"));
            }
        });
        String deviceId = context.getOrDefault("DeviceID", "");
        if (!deviceId.matches("[A-Za-z0-9-]{1,64}")) {
            return new Soap(500, fault("s:Receiver", "s:messageformat", "AdditionalContext DeviceID is missing or invalid"));
        }
        if (requestType.endsWith("/Renew")) {
            Device d = devices.get(deviceId);
            if (peer.isEmpty() || d == null || !d.enrolled || !d.cert.getPublicKey().equals(peer.get().getPublicKey())) {
                return new Soap(500, fault("s:Receiver", "s:authentication",
                        "Renewal needs the device's current MDM client certificate on the TLS connection"));
            }
            X509Certificate c = mdmCa.signCsr(csr, deviceId, certificateValidity);
            if (!c.getPublicKey().equals(d.cert.getPublicKey())) {
                return new Soap(500, fault("s:Receiver", "s:authorization", "Renewal CSR is for another key"));
            }
            d.cert = c;
            d.renewals.incrementAndGet();
            keep(d);
            Logger.info("Simulated MDM renewed the certificate of {}", deviceId);
            return new Soap(200, rstrc(provisioningDoc(c, d.deviceName)));
        }
        Object v = verifyToken(env);
        if (v instanceof Soap s) {
            return s;
        }
        String upn = upnOf((JsonObject) v);
        if (upn.isEmpty() || deniedUsers.contains(upn.toLowerCase(Locale.ROOT))) {
            return new Soap(500, fault("s:Receiver", "s:authorization", "User " + upn + " is not allowed to enroll devices"));
        }
        X509Certificate c = mdmCa.signCsr(csr, deviceId, certificateValidity);
        String name = context.getOrDefault("DeviceName", deviceId);
        Device enrolled = new Device(deviceId, upn, name, c);
        devices.put(deviceId, enrolled);
        keep(enrolled); // before the answer: a device never holds an enrollment this MDM could forget
        Logger.info("Simulated MDM enrolled {} ({}) for {}", deviceId, name, upn);
        return new Soap(200, rstrc(provisioningDoc(c, name)));
    }

    private String rstrc(String provDoc) {
        SimXml.W w = envelope(NS_WSTEP + "/RSTRC/wstep");
        w.open("RequestSecurityTokenResponseCollection", "xmlns", NS_WST).open("RequestSecurityTokenResponse")
                .leaf("TokenType", "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken")
                .empty("DispositionMessage", "xmlns", NS_WSTEP)
                .open("RequestedSecurityToken")
                .leaf("BinarySecurityToken", Base64.getEncoder().encodeToString(provDoc.getBytes(StandardCharsets.UTF_8)),
                        "ValueType", PROVISION_DOC, "EncodingType", BASE64, "xmlns", NS_WSSE)
                .close().leaf("RequestID", "0", "xmlns", NS_WSTEP).close().close();
        return w.close().close().toString();
    }

    private String provisioningDoc(X509Certificate client, String deviceName) throws GeneralSecurityException {
        X509Certificate root = mdmCa.caCertificate();
        int[] p = poll;
        SimXml.W w = new SimXml.W();
        w.open("wap-provisioningdoc", "version", "1.1").open("characteristic", "type", "CertificateStore")
                .open("characteristic", "type", "Root").open("characteristic", "type", "System")
                .open("characteristic", "type", thumbprint(root))
                .empty("parm", "name", "EncodedCertificate", "value", Base64.getEncoder().encodeToString(root.getEncoded()))
                .close().close().close()
                .open("characteristic", "type", "My").open("characteristic", "type", "Device")
                .open("characteristic", "type", thumbprint(client))
                .empty("parm", "name", "EncodedCertificate", "value", Base64.getEncoder().encodeToString(client.getEncoded()))
                .close().empty("characteristic", "type", "PrivateKeyContainer").close()
                .open("characteristic", "type", "WSTEP").open("characteristic", "type", "Renew")
                .empty("parm", "name", "ROBOSupport", "value", "true", "datatype", "boolean")
                .empty("parm", "name", "RenewPeriod", "value", Integer.toString(renewPeriodDays), "datatype", "integer")
                .empty("parm", "name", "RetryInterval", "value", "7", "datatype", "integer")
                .close().close().close().close();
        w.open("characteristic", "type", "APPLICATION")
                .empty("parm", "name", "APPID", "value", "w7")
                .empty("parm", "name", "PROVIDER-ID", "value", PROVIDER_ID)
                .empty("parm", "name", "NAME", "value", "Roomwire Simulated MDM")
                .empty("parm", "name", "ADDR", "value", managementUrl().toString())
                .empty("parm", "name", "CONNRETRYFREQ", "value", "6")
                .empty("parm", "name", "INITIALBACKOFFTIME", "value", "30000")
                .empty("parm", "name", "MAXBACKOFFTIME", "value", "120000")
                .empty("parm", "name", "DEFAULTENCODING", "value", "application/vnd.syncml.dm+xml")
                .close();
        w.open("characteristic", "type", "DMClient").open("characteristic", "type", "Provider")
                .open("characteristic", "type", PROVIDER_ID)
                .empty("parm", "name", "EntDeviceName", "value", deviceName, "datatype", "string")
                .open("characteristic", "type", "Poll");
        String[] names = {"NumberOfFirstRetries", "IntervalForFirstSetOfRetries", "NumberOfSecondRetries",
            "IntervalForSecondSetOfRetries", "NumberOfRemainingScheduledRetries", "IntervalForRemainingScheduledRetries"};
        for (int i = 0; i < names.length; i++) {
            w.empty("parm", "name", names[i], "value", Integer.toString(p[i]), "datatype", "integer");
        }
        w.empty("parm", "name", "PollOnLogin", "value", "true", "datatype", "boolean");
        w.close().close().close().close().close();
        return w.toString();
    }

    private static String thumbprint(X509Certificate c) throws GeneralSecurityException {
        return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-1").digest(c.getEncoded()));
    }

    // ---------------------------------------------------------------- OMA-DM

    /** Answers one client message; null when it is not valid SyncML. */
    private byte[] syncMl(Device d, byte[] req) {
        Element root;
        try {
            root = SimXml.parse(req);
        } catch (Exception e) {
            protocolErrors.add("malformed SyncML from " + d.deviceId + ": " + e.getMessage());
            return null;
        }
        Optional<Element> hdrEl = SimXml.at(root, "SyncHdr");
        Optional<Element> bodyEl = SimXml.at(root, "SyncBody");
        if (!"SyncML".equals(SimXml.local(root)) || hdrEl.isEmpty() || bodyEl.isEmpty()) {
            protocolErrors.add("not a SyncML message from " + d.deviceId);
            return null;
        }
        Element hdr = hdrEl.get();
        String sessionId = SimXml.text(hdr, "SessionID");
        int clientMsg = number(SimXml.text(hdr, "MsgID"));
        if (!"1.2".equals(SimXml.text(hdr, "VerDTD")) || !"DM/1.2".equals(SimXml.text(hdr, "VerProto"))) {
            protocolErrors.add("wrong SyncML version from " + d.deviceId);
        }
        if (!d.deviceId.equals(SimXml.text(hdr, "Source", "LocURI"))) {
            protocolErrors.add("SyncHdr Source " + SimXml.text(hdr, "Source", "LocURI") + " is not " + d.deviceId);
        }
        List<Element> cmds = SimXml.kids(bodyEl.get(), null).stream().filter(e -> !"Final".equals(SimXml.local(e))).toList();
        boolean starts = cmds.stream().anyMatch(e -> "Alert".equals(SimXml.local(e))
                && ("1201".equals(SimXml.text(e, "Data")) || "1226".equals(SimXml.text(e, "Data"))));
        String key = d.deviceId + "/" + sessionId;
        Session s;
        if (starts) {
            s = new Session(sessionId);
            sessions.put(key, s);
            d.sessions.incrementAndGet();
            d.lastCheckIn = authority.clock().instant();
            if (clientMsg != 1) {
                protocolErrors.add("session " + sessionId + " starts with MsgID " + clientMsg);
            }
        } else {
            s = sessions.get(key);
            if (s == null) {
                protocolErrors.add("message for unknown session " + sessionId + " from " + d.deviceId);
                return null;
            }
            if (clientMsg != s.clientMsgId + 1) {
                protocolErrors.add("session " + sessionId + ": MsgID " + clientMsg + " after " + s.clientMsgId);
            }
        }
        s.clientMsgId = clientMsg;
        List<String> out = new ArrayList<>();
        int[] cmdId = {1};
        out.add(status(cmdId[0]++, clientMsg, 0, "SyncHdr", 200));
        boolean unenrollAlert = false;
        boolean more = false;
        for (Element c : cmds) {
            String name = SimXml.local(c);
            switch (name) {
                case "Status" -> checkStatus(d, s, c);
                case "Results" -> {
                    checkRef(s, c, "Results");
                    for (Element item : SimXml.kids(c, "Item")) {
                        d.reported.put(SimXml.text(item, "Source", "LocURI"), SimXml.text(item, "Data"));
                    }
                    s.gotResults = true;
                }
                case "Alert" -> {
                    String code = SimXml.text(c, "Data");
                    if ("1226".equals(code) && SimXml.kids(c, "Item").stream()
                            .anyMatch(i -> SimXml.text(i, "Meta", "Type").contains("unenrollment"))) {
                        unenrollAlert = true;
                    }
                    if ("1222".equals(code)) {
                        more = true;
                    }
                    out.add(status(cmdId[0]++, clientMsg, number(SimXml.text(c, "CmdID")), "Alert", 200));
                }
                case "Replace" -> {
                    for (Element item : SimXml.kids(c, "Item")) {
                        d.reported.put(SimXml.text(item, "Source", "LocURI"), SimXml.text(item, "Data"));
                    }
                    out.add(status(cmdId[0]++, clientMsg, number(SimXml.text(c, "CmdID")), "Replace", 200));
                }
                default -> out.add(status(cmdId[0]++, clientMsg, number(SimXml.text(c, "CmdID")), name, 406));
            }
        }
        if (unenrollAlert) {
            d.enrolled = false;
            Logger.info("Simulated MDM: {} unenrolled itself", d.deviceId);
        } else if (starts) {
            if (d.pendingUnenroll) {
                s.pending.add(new String[] {"Exec", "./Vendor/MSFT/DMClient/Provider/" + PROVIDER_ID + "/Unenroll", null});
            } else {
                for (String[] q : d.queued) {
                    s.pending.add(new String[] {q[0], q[1], q[2], "queued"});
                }
                d.queued.clear();
                int rev = policyRevision.get();
                if (d.policyRevision != rev) {
                    s.pending.add(new String[] {"Atomic", "policy", Integer.toString(rev)});
                }
                for (String n : STATE_NODES) {
                    s.pending.add(new String[] {"Get", n, null});
                }
            }
        } else if (!more && s.pending.isEmpty() && s.gotResults) {
            evaluate(d);
        }
        s.serverMsgId++;
        int budget = maxCommandsPerMessage;
        while (!s.pending.isEmpty() && budget-- > 0) {
            out.add(command(s, s.pending.remove(0), cmdId));
        }
        boolean fin = s.pending.isEmpty();
        return message(sessionId, s.serverMsgId, d.deviceId, out, fin);
    }

    private void checkStatus(Device d, Session s, Element c) {
        String cmd = SimXml.text(c, "Cmd");
        int code = number(SimXml.text(c, "Data"));
        if ("SyncHdr".equals(cmd)) {
            if (number(SimXml.text(c, "MsgRef")) != s.serverMsgId) {
                protocolErrors.add("SyncHdr status refers to MsgRef " + SimXml.text(c, "MsgRef") + ", expected "
                        + s.serverMsgId);
            }
            return;
        }
        Sent sent = checkRef(s, c, "Status");
        if (sent == null) {
            return;
        }
        if (!sent.cmd().equals(cmd)) {
            protocolErrors.add("Status Cmd " + cmd + " for a " + sent.cmd());
        }
        if (sent.queued()) {
            String target = SimXml.text(c, "TargetRef");
            d.answers.add(new Answer(cmd, target.isEmpty() ? sent.target() : target, code));
        }
        if ("Atomic".equals(cmd) && sent.policyRevision() >= 0) {
            if (code == 200) {
                d.policyRevision = sent.policyRevision();
            } else {
                protocolErrors.add("device " + d.deviceId + " refused the policy with " + code);
            }
        }
        if ("Exec".equals(cmd) && sent.target().endsWith("/Unenroll") && code == 200) {
            d.enrolled = false;
            d.pendingUnenroll = false;
            Logger.info("Simulated MDM: {} accepted the unenroll", d.deviceId);
        }
    }

    private Sent checkRef(Session s, Element c, String what) {
        String ref = SimXml.text(c, "MsgRef") + "/" + SimXml.text(c, "CmdRef");
        Sent sent = s.sent.get(ref);
        if (sent == null) {
            protocolErrors.add(what + " refers to MsgRef/CmdRef " + ref + ", which the server never sent");
        }
        return sent;
    }

    private String command(Session s, String[] p, int[] cmdId) {
        SimXml.W w = new SimXml.W();
        String kind = p[0];
        if ("Atomic".equals(kind)) {
            int atomicId = cmdId[0]++;
            s.sent.put(s.serverMsgId + "/" + atomicId, new Sent("Atomic", "policy", false, Integer.parseInt(p[2])));
            w.open("Atomic").leaf("CmdID", Integer.toString(atomicId));
            Policy pol = policy;
            String[][] values = {
                {"MinimumFirmware", pol.minimumFirmware().orElse(""), "chr"},
                {"RequireEncryption", pol.requireEncryption() ? "true" : "", "bool"},
                {"BlockDebugMode", pol.blockDebugMode() ? "true" : "", "bool"},
                {"MaxCalendarStalenessMinutes", pol.maxCalendarStalenessMinutes().map(String::valueOf).orElse(""), "int"}};
            for (String[] v : values) {
                int id = cmdId[0]++;
                String target = "./Vendor/Roomwire/Policy/" + v[0];
                s.sent.put(s.serverMsgId + "/" + id, new Sent("Replace", target, false, -1));
                w.open("Replace").leaf("CmdID", Integer.toString(id)).open("Item").open("Target").leaf("LocURI", target)
                        .close().open("Meta").leaf("Format", v[2], "xmlns", "syncml:metinf").close()
                        .leaf("Data", v[1]).close().close();
            }
            return w.close().toString();
        }
        int id = cmdId[0]++;
        boolean queued = p.length > 3;
        s.sent.put(s.serverMsgId + "/" + id, new Sent(kind, p[1], queued, -1));
        w.open(kind).leaf("CmdID", Integer.toString(id)).open("Item").open("Target").leaf("LocURI", p[1]).close();
        if (p[2] != null) {
            w.open("Meta").leaf("Format", "chr", "xmlns", "syncml:metinf").close().leaf("Data", p[2]);
        }
        return w.close().close().toString();
    }

    private static String status(int cmdId, int msgRef, int cmdRef, String cmd, int code) {
        return new SimXml.W().open("Status").leaf("CmdID", Integer.toString(cmdId)).leaf("MsgRef", Integer.toString(msgRef))
                .leaf("CmdRef", Integer.toString(cmdRef)).leaf("Cmd", cmd).leaf("Data", Integer.toString(code)).close()
                .toString();
    }

    private byte[] message(String sessionId, int msgId, String deviceId, List<String> cmds, boolean fin) {
        StringBuilder b = new StringBuilder(1024);
        b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        b.append(new SimXml.W().open("SyncML", "xmlns", "SYNCML:SYNCML1.2").toString().replace("</SyncML>", ""));
        SimXml.W h = new SimXml.W().open("SyncHdr").leaf("VerDTD", "1.2").leaf("VerProto", "DM/1.2")
                .leaf("SessionID", sessionId).leaf("MsgID", Integer.toString(msgId))
                .open("Target").leaf("LocURI", deviceId).close()
                .open("Source").leaf("LocURI", managementUrl().toString()).close().close();
        b.append(h).append("<SyncBody>");
        cmds.forEach(b::append);
        if (fin) {
            b.append("<Final/>");
        }
        b.append("</SyncBody></SyncML>");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static int number(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- compliance

    private void evaluate(Device d) {
        Policy p = policy;
        List<String> reasons = new ArrayList<>();
        String fw = d.reported.getOrDefault("./DevDetail/FwV", "");
        p.minimumFirmware().ifPresent(min -> {
            if (compareVersions(fw, min) < 0) {
                reasons.add("firmware " + fw + " is below the required " + min);
            }
        });
        if (p.requireEncryption() && !"1".equals(d.reported.get("./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance"))) {
            reasons.add("storage is not encrypted");
        }
        if (p.blockDebugMode() && "true".equals(d.reported.get("./Vendor/Roomwire/State/DebugEnabled"))) {
            reasons.add("debug mode is enabled");
        }
        p.maxCalendarStalenessMinutes().ifPresent(max -> {
            int age = number(d.reported.getOrDefault("./Vendor/Roomwire/State/CalendarStalenessMinutes", "-1"));
            if (age < 0) {
                reasons.add("calendar has never synced (maximum " + max + " min)");
            } else if (age > max) {
                reasons.add("calendar last synced " + age + " min ago (maximum " + max + " min)");
            }
        });
        boolean was = !Boolean.FALSE.equals(d.compliant);
        d.reasons = List.copyOf(reasons);
        d.compliant = reasons.isEmpty();
        if (was != d.compliant) {
            Logger.info("Simulated MDM: {} is now {}", d.deviceId, d.compliant ? "compliant" : "not compliant: " + reasons);
        }
    }

    static int compareVersions(String a, String b) {
        String[] x = a.trim().split("[.\\-+_]");
        String[] y = b.trim().split("[.\\-+_]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c = p.matches("\\d{1,18}") && q.matches("\\d{1,18}") ? Long.compare(Long.parseLong(p), Long.parseLong(q))
                    : p.compareTo(q);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
