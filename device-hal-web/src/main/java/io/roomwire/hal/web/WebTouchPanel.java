package io.roomwire.hal.web;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The touch panel as a local web app for a kiosk browser, wrapped around any hardware panel (the
 * sim's, a device's): every screen and banner goes to the wrapped panel and, as server-sent events,
 * to every open page; presses come back as POSTs checked for Origin, Host and a per-boot token, and
 * reach the same listeners as the wrapped panel's own presses.
 *
 * <p>Loopback only by default. Bound elsewhere, a browser on another host must first pair with the
 * configured PIN (a cookie for this boot). The page renders every text with {@code textContent}, so
 * hostile meeting titles stay text; the Content-Security-Policy allows only the page's own files.
 */
public final class WebTouchPanel implements TouchPanel, AutoCloseable {

    /** Bigger bodies are refused (413): presses and PINs are a few dozen bytes. */
    static final int MAX_BODY = 4096;
    /** Open event streams at most; a kiosk has one or two, an admin's laptop one more. */
    static final int MAX_STREAMS = 16;
    private static final int MAX_ADMIN_FAILURES = 5;
    private static final Duration ADMIN_LOCKOUT = Duration.ofSeconds(60);
    private static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private static final Pattern DTMF = Pattern.compile("[0-9*#A-D]{1,32}");
    private static final String TOKEN_HEADER = "X-Roomwire-Token";
    private static final String PAIR_COOKIE = "rw_pair";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final Map<String, String> ASSETS = Map.of(
            "/app.js", "text/javascript; charset=utf-8",
            "/app.css", "text/css; charset=utf-8");

    static {
        // The JDK server leaves Nagle on: a pushed screen or a 204 would wait out the peer's delayed ACK (~40 ms).
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final TouchPanel hardware;
    private final Scheduler scheduler;
    private final InetAddress bind;
    private final int requestedPort;
    private final Optional<String> pairingPin;
    private final Optional<String> adminPin;
    private final Supplier<List<AdminSection>> adminInfo;
    private final String token;
    private final String boot;
    private final Gson gson = new Gson();
    private final List<Consumer<PanelEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Stream> streams = new CopyOnWriteArrayList<>();
    private final Set<String> pairedSessions = ConcurrentHashMap.newKeySet();
    private final AtomicLong seq = new AtomicLong();
    private final AtomicInteger adminFailures = new AtomicInteger();
    private final SecureRandom random = new SecureRandom();
    private final Object lifecycle = new Object();
    private volatile Instant adminLockedUntil = Instant.MIN;
    private HttpServer server;
    private ExecutorService httpThreads;
    private ExecutorService pushThread;
    private ExecutorService eventThread;
    private Scheduler.Cancellable keepalive;

    private WebTouchPanel(Builder b) {
        this.hardware = Objects.requireNonNull(b.hardware, "hardware panel");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.bind = b.bind;
        this.requestedPort = b.port;
        this.pairingPin = b.pairingPin.filter(p -> !p.isBlank());
        this.adminPin = b.adminPin.filter(p -> !p.isBlank());
        this.adminInfo = b.adminInfo;
        this.token = randomHex(16);
        this.boot = randomHex(8);
        if (!bind.isLoopbackAddress() && pairingPin.isEmpty()) {
            throw new IllegalArgumentException("the web panel is to listen on " + bind.getHostAddress()
                    + ", beyond this machine: set a pairing PIN (panel.pairing-pin) or bind to 127.0.0.1");
        }
    }

    public static Builder builder(TouchPanel hardware, Scheduler scheduler) {
        return new Builder(hardware, scheduler);
    }

    /** Starts listening; throws when the address cannot be bound (in use, not ours). */
    public void start() throws IOException {
        synchronized (lifecycle) {
            if (server != null) {
                return;
            }
            HttpServer s = HttpServer.create(new InetSocketAddress(bind, requestedPort), 32);
            httpThreads = Executors.newFixedThreadPool(3, daemon("roomwire-panel-http"));
            pushThread = Executors.newSingleThreadExecutor(daemon("roomwire-panel-push"));
            eventThread = Executors.newSingleThreadExecutor(daemon("roomwire-panel-events"));
            s.setExecutor(httpThreads);
            s.createContext("/", this::handle);
            s.start();
            server = s;
            keepalive = scheduler.scheduleAtFixedRate(KEEPALIVE, KEEPALIVE, () -> pushThread.execute(() -> pushRaw(": keepalive\n\n")));
            Logger.info("Web panel listening on {}", url());
        }
    }

    /** Stops listening and closes every open page's stream (the pages reconnect to the next boot). */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (server == null) {
                return;
            }
            keepalive.cancel();
            streams.forEach(Stream::close);
            streams.clear();
            server.stop(0);
            httpThreads.shutdownNow();
            pushThread.shutdownNow();
            eventThread.shutdown();
            server = null;
        }
    }

    /** The page's address, e.g. {@code http://127.0.0.1:8480/}. */
    public String url() {
        synchronized (lifecycle) {
            if (server == null) {
                throw new IllegalStateException("the web panel is not running");
            }
            InetSocketAddress a = server.getAddress();
            return "http://" + hostLiteral(a.getAddress()) + ":" + a.getPort() + "/";
        }
    }

    public boolean running() {
        synchronized (lifecycle) {
            return server != null;
        }
    }

    /** Pages with an open event stream now. */
    public int openPages() {
        return streams.size();
    }

    // ---- TouchPanel

    @Override
    public void show(Screen screen) {
        hardware.show(screen);
        broadcast();
    }

    @Override
    public void banner(Optional<String> text) {
        hardware.banner(text);
        broadcast();
    }

    @Override
    public void onEvent(Consumer<PanelEvent> listener) {
        hardware.onEvent(listener);
        listeners.add(listener);
    }

    @Override
    public Optional<Screen> current() {
        return hardware.current();
    }

    @Override
    public Optional<String> currentBanner() {
        return hardware.currentBanner();
    }

    // ---- push

    private void broadcast() {
        ExecutorService p;
        synchronized (lifecycle) {
            p = pushThread;
            if (server == null) {
                return;
            }
        }
        // One writer thread: a slow page delays the others' updates, never the agent's show().
        p.execute(() -> pushRaw(stateEvent()));
    }

    private String stateEvent() {
        return "event: state\ndata: " + stateJson() + "\n\n";
    }

    String stateJson() {
        JsonObject o = new JsonObject();
        o.addProperty("boot", boot);
        o.addProperty("seq", seq.incrementAndGet());
        hardware.current().ifPresent(s -> o.add("screen", screenJson(s)));
        hardware.currentBanner().ifPresent(b -> o.addProperty("banner", b));
        // One line: SSE data fields end at a newline (WHATWG HTML 9.2.6), Gson escapes those in strings.
        return gson.toJson(o);
    }

    private JsonObject screenJson(Screen s) {
        JsonObject o = new JsonObject();
        o.addProperty("kind", s.kind());
        o.addProperty("title", s.title());
        o.add("lines", gson.toJsonTree(s.lines()));
        List<JsonObject> buttons = new ArrayList<>();
        for (PanelButton b : s.buttons()) {
            JsonObject j = new JsonObject();
            j.addProperty("id", b.id());
            j.addProperty("label", b.label());
            j.addProperty("detail", b.detail());
            buttons.add(j);
        }
        o.add("buttons", gson.toJsonTree(buttons));
        o.add("data", gson.toJsonTree(s.data()));
        return o;
    }

    private void pushRaw(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (Stream s : streams) {
            if (!s.write(bytes)) {
                streams.remove(s);
            }
        }
    }

    // ---- HTTP

    private void handle(HttpExchange ex) {
        boolean keepOpen = false;
        try {
            Headers h = ex.getResponseHeaders();
            h.set("X-Content-Type-Options", "nosniff");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Cache-Control", "no-store");
            if (!hostAllowed(ex)) {
                // A page on another name resolving here (DNS rebinding) gets nothing.
                send(ex, 421, "text/plain", "Misdirected request: use " + url());
                return;
            }
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (method.equals("GET") && (path.equals("/") || path.equals("/index.html"))) {
                index(ex);
            } else if (method.equals("GET") && ASSETS.containsKey(path)) {
                asset(ex, path);
            } else if (method.equals("GET") && path.equals("/events")) {
                if (paired(ex)) {
                    keepOpen = events(ex); // the stream stays open; close() or a failed write ends it
                    return;
                }
                send(ex, 401, "text/plain", "Pair this browser first");
            } else if (method.equals("POST") && path.equals("/press")) {
                post(ex, this::press);
            } else if (method.equals("POST") && path.equals("/admin")) {
                post(ex, this::admin);
            } else if (method.equals("POST") && path.equals("/pair")) {
                pair(ex);
            } else if (method.equals("GET") || method.equals("POST")) {
                send(ex, 404, "text/plain", "Not found");
            } else {
                h.set("Allow", "GET, POST");
                send(ex, 405, "text/plain", "Method not allowed");
            }
        } catch (IOException | RuntimeException e) {
            Logger.debug("Web panel request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
        } finally {
            if (!keepOpen) {
                ex.close();
            }
        }
    }

    private void index(HttpExchange ex) throws IOException {
        String html = resource("index.html");
        boolean paired = paired(ex);
        html = html.replace("{{TOKEN}}", paired ? token : "")
                .replace("{{BOOT}}", boot)
                .replace("{{PAIRING}}", paired ? "no" : "yes");
        ex.getResponseHeaders().set("Content-Security-Policy", CSP);
        send(ex, 200, "text/html; charset=utf-8", html);
    }

    private void asset(HttpExchange ex, String path) throws IOException {
        send(ex, 200, ASSETS.get(path), resource(path.substring(1)));
    }

    private boolean events(HttpExchange ex) throws IOException {
        if (streams.size() >= MAX_STREAMS) {
            send(ex, 503, "text/plain", "Too many open panels");
            return false;
        }
        Headers h = ex.getResponseHeaders();
        h.set("Content-Type", "text/event-stream; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        Stream s = new Stream(ex);
        // A (re)connecting page gets the current screen first: WHATWG HTML 9.2 retry sets its reconnect delay.
        // On the push thread, so no update can fall between this first state and the stream joining.
        pushThread.execute(() -> {
            if (s.write(("retry: 1000\n\n" + stateEvent()).getBytes(StandardCharsets.UTF_8))) {
                streams.add(s);
            }
        });
        return true;
    }

    private interface PostHandler {
        void handle(HttpExchange ex, JsonObject body) throws IOException;
    }

    private void post(HttpExchange ex, PostHandler handler) throws IOException {
        if (!sameOrigin(ex)) {
            send(ex, 403, "text/plain", "Refused: the request did not come from this panel's page");
            return;
        }
        if (!paired(ex) || !tokenMatches(ex.getRequestHeaders().getFirst(TOKEN_HEADER))) {
            // A page from an earlier boot has an old token: it reloads on the next state event.
            send(ex, 403, "text/plain", "Refused: stale or missing panel token; reload the page");
            return;
        }
        Optional<JsonObject> body = jsonBody(ex);
        if (body.isEmpty()) {
            return;
        }
        handler.handle(ex, body.get());
    }

    private void press(HttpExchange ex, JsonObject body) throws IOException {
        PanelEvent event;
        if (body.has("button") && body.get("button").isJsonPrimitive()) {
            String id = body.get("button").getAsString();
            Optional<Screen> s = hardware.current();
            if (s.isEmpty() || s.get().buttons().stream().map(PanelButton::id).noneMatch(id::equals)) {
                send(ex, 409, "text/plain", "That button is no longer on the screen");
                return;
            }
            event = new PanelEvent.ButtonPressed(id);
        } else if (body.has("digits") && body.get("digits").isJsonPrimitive()) {
            String d = body.get("digits").getAsString();
            if (!DTMF.matcher(d).matches()) {
                send(ex, 400, "text/plain", "Keypad digits are 0-9, *, # and A-D (at most 32)");
                return;
            }
            event = new PanelEvent.KeypadDigits(d);
        } else {
            send(ex, 400, "text/plain", "Expected {\"button\": id} or {\"digits\": \"123#\"}");
            return;
        }
        // Listeners must not block, but run them off the HTTP threads all the same, in press order.
        eventThread.execute(() -> listeners.forEach(l -> {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                Logger.error(e, "Web panel: a press listener failed");
            }
        }));
        send(ex, 204, "text/plain", "");
    }

    private void admin(HttpExchange ex, JsonObject body) throws IOException {
        if (adminPin.isEmpty()) {
            send(ex, 403, "text/plain", "The admin page is off: set panel.admin-pin to turn it on");
            return;
        }
        Instant now = scheduler.now();
        if (now.isBefore(adminLockedUntil)) {
            send(ex, 429, "text/plain", "Too many wrong PINs; try again in a minute");
            return;
        }
        String pin = body.has("pin") && body.get("pin").isJsonPrimitive() ? body.get("pin").getAsString() : "";
        if (!constantTimeEquals(pin, adminPin.get())) {
            if (adminFailures.incrementAndGet() >= MAX_ADMIN_FAILURES) {
                adminFailures.set(0);
                adminLockedUntil = now.plus(ADMIN_LOCKOUT);
                Logger.warn("Web panel: admin PIN wrong {} times; locked for {} s", MAX_ADMIN_FAILURES, ADMIN_LOCKOUT.toSeconds());
            }
            send(ex, 403, "text/plain", "Wrong PIN");
            return;
        }
        adminFailures.set(0);
        send(ex, 200, "application/json", gson.toJson(Map.of("sections", adminInfo.get())));
    }

    private void pair(HttpExchange ex) throws IOException {
        if (!sameOrigin(ex)) {
            send(ex, 403, "text/plain", "Refused: the request did not come from this panel's page");
            return;
        }
        if (pairingPin.isEmpty()) {
            send(ex, 404, "text/plain", "This panel listens on loopback only; no pairing needed");
            return;
        }
        Optional<JsonObject> body = jsonBody(ex);
        if (body.isEmpty()) {
            return;
        }
        Instant now = scheduler.now();
        String pin = body.get().has("pin") && body.get().get("pin").isJsonPrimitive() ? body.get().get("pin").getAsString() : "";
        if (now.isBefore(adminLockedUntil) || !constantTimeEquals(pin, pairingPin.get())) {
            if (adminFailures.incrementAndGet() >= MAX_ADMIN_FAILURES) {
                adminFailures.set(0);
                adminLockedUntil = now.plus(ADMIN_LOCKOUT);
            }
            send(ex, 403, "text/plain", "Wrong pairing PIN");
            return;
        }
        String session = randomHex(16);
        pairedSessions.add(session);
        ex.getResponseHeaders().add("Set-Cookie", PAIR_COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict");
        Logger.info("Web panel: paired a browser at {}", ex.getRemoteAddress().getAddress().getHostAddress());
        send(ex, 204, "text/plain", "");
    }

    private Optional<JsonObject> jsonBody(HttpExchange ex) throws IOException {
        String type = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            send(ex, 415, "text/plain", "Send application/json");
            return Optional.empty();
        }
        byte[] raw;
        try (InputStream in = ex.getRequestBody()) {
            raw = in.readNBytes(MAX_BODY + 1);
        }
        if (raw.length > MAX_BODY) {
            send(ex, 413, "text/plain", "Request too large (at most " + MAX_BODY + " bytes)");
            return Optional.empty();
        }
        try {
            JsonElement e = JsonParser.parseString(new String(raw, StandardCharsets.UTF_8));
            if (e.isJsonObject()) {
                return Optional.of(e.getAsJsonObject());
            }
        } catch (JsonParseException e) {
            // answered below
        }
        send(ex, 400, "text/plain", "The body is not a JSON object");
        return Optional.empty();
    }

    /** Host must name this server: a loopback name, or the bound address, with our port. */
    private boolean hostAllowed(HttpExchange ex) {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (host == null) {
            return false;
        }
        int port = ex.getLocalAddress().getPort();
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1:" + port) || h.equals("localhost:" + port) || h.equals("[::1]:" + port)
                || h.equals(hostLiteral(bind) + ":" + port) || h.equals(hostLiteral(ex.getLocalAddress().getAddress()) + ":" + port);
    }

    /** RFC 6454 section 7: a browser names the page's origin on every POST; it must be ours. */
    private static boolean sameOrigin(HttpExchange ex) {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        return origin != null && host != null && origin.equalsIgnoreCase("http://" + host);
    }

    private boolean paired(HttpExchange ex) {
        if (ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
            return true;
        }
        String cookies = ex.getRequestHeaders().getFirst("Cookie");
        if (cookies == null) {
            return false;
        }
        for (String c : cookies.split(";")) {
            String[] kv = c.trim().split("=", 2);
            if (kv.length == 2 && kv[0].equals(PAIR_COOKIE) && pairedSessions.contains(kv[1])) {
                return true;
            }
        }
        return false;
    }

    private boolean tokenMatches(String presented) {
        return presented != null && constantTimeEquals(presented, token);
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if (status == 204) {
            ex.sendResponseHeaders(204, -1);
            return;
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = WebTouchPanel.class.getResourceAsStream("assets/" + name)) {
            if (in == null) {
                throw new IOException("web panel asset " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String hostLiteral(InetAddress a) {
        String s = a.getHostAddress();
        return s.contains(":") ? "[" + s + "]" : s;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** One open page's event stream. */
    private static final class Stream {
        private final HttpExchange exchange;
        private final OutputStream out;

        Stream(HttpExchange exchange) {
            this.exchange = exchange;
            this.out = exchange.getResponseBody();
        }

        synchronized boolean write(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
                return true;
            } catch (IOException e) {
                close();
                return false;
            }
        }

        void close() {
            try {
                exchange.close();
            } catch (RuntimeException e) {
                // already closed by the peer
            }
        }
    }

    public static final class Builder {
        private final TouchPanel hardware;
        private final Scheduler scheduler;
        private InetAddress bind = InetAddress.getLoopbackAddress();
        private int port = 0;
        private Optional<String> pairingPin = Optional.empty();
        private Optional<String> adminPin = Optional.empty();
        private Supplier<List<AdminSection>> adminInfo = List::of;

        private Builder(TouchPanel hardware, Scheduler scheduler) {
            this.hardware = hardware;
            this.scheduler = scheduler;
        }

        /** The address to listen on; anything but loopback needs {@link #pairingPin}. */
        public Builder bind(InetAddress a) { this.bind = Objects.requireNonNull(a); return this; }
        /** The TCP port; 0 picks a free one. */
        public Builder port(int p) { this.port = p; return this; }
        public Builder pairingPin(Optional<String> pin) { this.pairingPin = pin; return this; }
        public Builder adminPin(Optional<String> pin) { this.adminPin = pin; return this; }
        /** What the admin page shows, read when an admin opens it. */
        public Builder adminInfo(Supplier<List<AdminSection>> s) { this.adminInfo = Objects.requireNonNull(s); return this; }

        public WebTouchPanel build() {
            return new WebTouchPanel(this);
        }
    }
}
