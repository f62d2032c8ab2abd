package io.roomwire.sim.cloud.graph;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * A simulated Microsoft Graph for room calendars, on loopback HTTP. It serves
 * {@code /v1.0/users/{id}/calendarView}, {@code /calendarView/delta()} (and without parentheses),
 * and {@code /events/{id}} in Graph's JSON shapes: {@code @odata.context}, {@code value},
 * {@code @odata.nextLink}/{@code @odata.deltaLink} with opaque {@code $skiptoken}/{@code $deltatoken},
 * {@code Prefer: odata.maxpagesize}, {@code outlook.timezone}, {@code outlook.body-content-type},
 * {@code @removed}, recurring series expanded into occurrences (sparse in delta, as Graph sends them)
 * with exceptions and deleted occurrences, 410 {@code SyncStateNotFound} for a stale token,
 * injected 429/503/504 with {@code Retry-After}, the Exchange limit of 4 concurrent requests per
 * mailbox, 403 {@code ErrorAccessDenied} for a mailbox outside the application access policy, and
 * 401 {@code InvalidAuthenticationToken} unless the bearer token verifies with the simulated Entra.
 *
 * <p>The admin API (Java methods here, and HTTP under {@code /_admin/}) books, moves, cancels and
 * deletes meetings, sets the room's response, injects faults and counts requests.
 */
public final class SimGraph implements AutoCloseable {

    /** Exchange Online allows an application 4 concurrent requests per mailbox. */
    public static final int MAILBOX_CONCURRENCY = 4;
    private static final Gson GSON = new Gson();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int DEFAULT_PAGE = 10;

    /**
     * A fault to answer instead of the next Graph request whose path and query contain
     * {@code pathContains} (any request when empty). Faults are used in the order they were added.
     */
    public record Fault(int status, Optional<Duration> retryAfter, Optional<String> pathContains) {
    }

    private static final class Mailbox {
        final String address;
        volatile boolean readable = true;
        volatile boolean deleteComments;
        final Map<String, GraphEvents.Stored> events = new LinkedHashMap<>();
        final Map<String, JsonObject> rawItems = new LinkedHashMap<>();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final AtomicLong requests = new AtomicLong();

        Mailbox(String address) {
            this.address = address;
        }
    }

    private record SyncState(String mailbox, Instant from, Instant to, Map<String, String> seen, Instant issued) {
    }

    private record Page(String mailbox, List<JsonObject> remaining, String deltaToken, Instant issued) {
    }

    private final SimTokenAuthority authority;
    private final Clock clock;
    private final SimPki pki;
    private final Object lock = new Object();
    private final Map<String, Mailbox> mailboxes = new ConcurrentHashMap<>();
    private final Map<String, SyncState> deltaTokens = bounded(1024);
    private final Map<String, Page> skipTokens = bounded(256);
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final AtomicLong requests = new AtomicLong();
    private final Map<String, AtomicLong> requestsByKind = new ConcurrentHashMap<>();
    /** Graph requests being served, by exchange: each counts against its mailbox's concurrency until its answer starts. */
    private final Map<HttpExchange, Mailbox> counting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Duration deltaTokenLifetime = Duration.ofDays(7);
    private volatile CountDownLatch hold;
    private volatile String holdPath = "";
    private HttpServer server;
    private ExecutorService executor;

    public SimGraph(SimTokenAuthority authority, Clock clock) {
        this(authority, clock, null);
    }

    private SimGraph(SimTokenAuthority authority, Clock clock, SimPki pki) {
        this.authority = authority;
        this.clock = clock;
        this.pki = pki;
    }

    /** A simulated Graph that serves HTTPS with a server certificate from {@code pki} (call {@link #start()}). */
    public static SimGraph https(SimTokenAuthority authority, Clock clock, SimPki pki) {
        return new SimGraph(authority, clock, pki);
    }

    /** Binds 127.0.0.1 on an ephemeral port. */
    public SimGraph start() throws IOException {
        InetSocketAddress bind = new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0);
        if (pki != null) {
            HttpsServer https = HttpsServer.create(bind, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(pki.sslContext(pki.issueServer("graph.sim.roomwire"))));
            server = https;
        } else {
            server = HttpServer.create(bind, 64);
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "sim-graph-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/v1.0/", this::handleGraph);
        server.createContext("/_admin/", this::handleAdmin);
        server.start();
        Logger.info("Simulated Graph listening on {}", baseUrl());
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The Graph base URL to configure: {@code http(s)://127.0.0.1:PORT/v1.0}. */
    public String baseUrl() {
        return (pki != null ? "https" : "http") + "://127.0.0.1:" + port() + "/v1.0";
    }

    @Override
    public void close() {
        release();
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- admin API (Java)

    /** Creates a room mailbox that the application may read. */
    public SimGraph addMailbox(String address) {
        mailboxes.computeIfAbsent(key(address), k -> new Mailbox(address));
        return this;
    }

    /** Takes a mailbox out of (or back into) the application access policy: 403 ErrorAccessDenied. */
    public SimGraph setReadable(String address, boolean readable) {
        mailbox(address).readable = readable;
        return this;
    }

    /** {@code Set-CalendarProcessing -DeleteComments $true}: the room keeps no invitation bodies. */
    public SimGraph setDeleteComments(String address, boolean delete) {
        mailbox(address).deleteComments = delete;
        return this;
    }

    /** Books a meeting (single or recurring) into the room's calendar; returns the event (or series master) id. */
    public String book(String address, Booking booking) {
        Mailbox m = mailbox(address);
        synchronized (lock) {
            String id = "AAMkAGI2T" + ids.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
            m.events.put(id, new GraphEvents.Stored(id, booking, clock.instant()));
            Logger.debug("SimGraph booked '{}' at {} in {} as {}", booking.subject(), booking.start(), address, id);
            return id;
        }
    }

    /**
     * Puts an event JSON into the room's calendar exactly as given (for hostile or malformed
     * fixtures): every view and delta round returns it verbatim until it is deleted.
     */
    public void putRawEvent(String address, JsonObject event) {
        Mailbox m = mailbox(address);
        synchronized (lock) {
            m.rawItems.put(event.has("id") ? event.get("id").getAsString() : "raw-" + ids.incrementAndGet(),
                    event.deepCopy());
        }
    }

    /** The organizer moves a meeting (or a whole series) to a new start, keeping or changing its length. */
    public void move(String address, String id, ZonedDateTime newStart, Duration newDuration) {
        update(address, id, s -> s.booking = s.booking.toBuilderWith(newStart, newDuration));
    }

    /** Replaces what the organizer sent (subject, body, join link...), keeping id, start and series. */
    public void edit(String address, String id, java.util.function.UnaryOperator<Booking> change) {
        update(address, id, s -> s.booking = change.apply(s.booking));
    }

    /** The organizer cancels: the item stays in the room's calendar with {@code isCancelled=true}. */
    public void cancel(String address, String id) {
        update(address, id, s -> s.cancelled = true);
    }

    /** The item is deleted from the room's calendar (delta reports {@code @removed}). */
    public void delete(String address, String id) {
        Mailbox m = mailbox(address);
        synchronized (lock) {
            if (m.events.remove(id) == null && m.rawItems.remove(id) == null) {
                throw new IllegalArgumentException("no event " + id + " in " + address);
            }
        }
    }

    /** The room's own response: {@code accepted}, {@code tentativelyAccepted}, {@code declined}. */
    public void respond(String address, String id, String response) {
        update(address, id, s -> {
            s.response = response;
            s.responseTime = clock.instant();
        });
    }

    /** Moves one occurrence of a series (it becomes an {@code exception}); returns its id. */
    public String moveOccurrence(String address, String masterId, LocalDate originalDate, ZonedDateTime newStart,
                                 Duration duration) {
        update(address, masterId, s -> s.exceptions.put(originalDate,
                new ZonedDateTime[] {newStart, newStart.plus(duration)}));
        return GraphEvents.occurrenceId(masterId, originalDate);
    }

    /** Deletes one occurrence of a series (the organizer cancelled that day). */
    public void deleteOccurrence(String address, String masterId, LocalDate originalDate) {
        update(address, masterId, s -> s.deletedDates.add(originalDate));
    }

    /** The id Graph gives the occurrence of {@code masterId} on {@code date}. */
    public static String occurrenceId(String masterId, LocalDate date) {
        return GraphEvents.occurrenceId(masterId, date);
    }

    /** Answers the next {@code count} Graph requests with {@code status} (429, 503, 504...). */
    public void failNext(int count, int status, Optional<Duration> retryAfter) {
        failNext(count, new Fault(status, retryAfter, Optional.empty()));
    }

    public void failNext(int count, Fault fault) {
        synchronized (lock) {
            for (int i = 0; i < count; i++) {
                faults.add(fault);
            }
        }
    }

    /** Injected failures not yet answered (a storm is over when this is 0). */
    public int pendingFaults() {
        synchronized (lock) {
            return faults.size();
        }
    }

    /** Forgets every delta and skip token: the next use answers 410 SyncStateNotFound. */
    public void expireDeltaTokens() {
        synchronized (lock) {
            deltaTokens.clear();
            skipTokens.clear();
        }
    }

    public void setDeltaTokenLifetime(Duration d) {
        this.deltaTokenLifetime = d;
    }

    /** Graph requests served (or refused) so far, all mailboxes. */
    public long requests() {
        return requests.get();
    }

    /** Requests of one kind: {@code delta}, {@code calendarView}, {@code event}. */
    public long requests(String kind) {
        AtomicLong n = requestsByKind.get(kind);
        return n == null ? 0 : n.get();
    }

    /** Highest number of concurrent requests seen for a mailbox. */
    public int maxConcurrent(String address) {
        return mailbox(address).maxInFlight.get();
    }

    public int inFlight(String address) {
        return mailbox(address).inFlight.get();
    }

    /** Holds every Graph request (after it is counted) until {@link #release()}. */
    public void hold() {
        hold("");
    }

    /** Holds the Graph requests whose path contains {@code pathContains} (e.g. {@code "/events/"}). */
    public void hold(String pathContains) {
        holdPath = pathContains;
        hold = new CountDownLatch(1);
    }

    public void release() {
        CountDownLatch h = hold;
        hold = null;
        if (h != null) {
            h.countDown();
        }
    }

    private void update(String address, String id, java.util.function.Consumer<GraphEvents.Stored> change) {
        Mailbox m = mailbox(address);
        synchronized (lock) {
            GraphEvents.Stored s = m.events.get(id);
            if (s == null) {
                throw new IllegalArgumentException("no event " + id + " in " + address);
            }
            change.accept(s);
            s.modified = clock.instant();
            s.rendered.clear();
        }
    }

    private Mailbox mailbox(String address) {
        Mailbox m = mailboxes.get(key(address));
        if (m == null) {
            throw new IllegalArgumentException("no mailbox " + address + " (call addMailbox first)");
        }
        return m;
    }

    private static String key(String address) {
        return address.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- Graph endpoints

    private void handleGraph(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            serveGraph(ex);
        }
    }

    private void serveGraph(HttpExchange ex) throws IOException {
        try {
            String raw = ex.getRequestURI().getRawPath().substring("/v1.0/".length());
            String[] seg = raw.split("/");
            for (int i = 0; i < seg.length; i++) {
                seg[i] = URLDecoder.decode(seg[i], StandardCharsets.UTF_8);
            }
            String kind = kindOf(seg);
            requestsByKind.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
            if (!"GET".equals(ex.getRequestMethod())) {
                error(ex, 405, "Request_BadRequest", "Only GET is simulated for " + raw, Optional.empty());
                return;
            }
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            StringBuilder why = new StringBuilder();
            if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                error(ex, 401, "InvalidAuthenticationToken", "Access token is empty.", Optional.empty());
                return;
            }
            Optional<JsonObject> claims = authority.verify(auth.substring(7).trim(), SimTokenAuthority.GRAPH_AUDIENCE, why);
            if (claims.isEmpty()) {
                error(ex, 401, "InvalidAuthenticationToken", "Access token validation failure: " + why, Optional.empty());
                return;
            }
            if (kind.equals("unknown")) {
                error(ex, 400, "BadRequest", "Resource not found for the segment '" + raw + "'.", Optional.empty());
                return;
            }
            Mailbox m = mailboxes.get(key(seg[1]));
            if (m == null) {
                error(ex, 404, "ErrorInvalidUser", "The requested user '" + seg[1] + "' is invalid.", Optional.empty());
                return;
            }
            if (!m.readable || !hasCalendarPermission(claims.get())) {
                error(ex, 403, "ErrorAccessDenied", m.readable ? "Access is denied. Check credentials and try again."
                        : "Access to OData is disabled: [RAOP] : Blocked by tenant configured AppOnly AccessPolicy settings.",
                        Optional.empty());
                return;
            }
            m.requests.incrementAndGet();
            counting.put(ex, m);
            int now = m.inFlight.incrementAndGet();
            m.maxInFlight.accumulateAndGet(now, Math::max);
            CountDownLatch h = hold;
            if (h != null && raw.contains(holdPath)) {
                h.await(30, TimeUnit.SECONDS);
            }
            String rawQuery = ex.getRequestURI().getRawQuery();
            Optional<Fault> fault = nextFault(rawQuery == null ? raw : raw + "?" + rawQuery);
            if (fault.isPresent()) {
                Fault f = fault.get();
                String code = switch (f.status()) {
                    case 429 -> "TooManyRequests";
                    case 503 -> "ServiceUnavailable";
                    case 504 -> "GatewayTimeout";
                    default -> "InternalServerError";
                };
                error(ex, f.status(), code, "Simulated fault " + f.status(), f.retryAfter());
                return;
            }
            if (now > MAILBOX_CONCURRENCY) {
                error(ex, 429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                        Optional.of(Duration.ofSeconds(1)));
                return;
            }
            Map<String, String> q = query(ex.getRequestURI().getRawQuery());
            Prefs prefs = prefs(ex);
            switch (kind) {
                case "delta" -> delta(ex, m, seg[1], q, prefs);
                case "calendarView" -> calendarView(ex, m, seg[1], q, prefs);
                default -> event(ex, m, seg[3], prefs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            Logger.warn(e, "SimGraph failed on {}", ex.getRequestURI());
            try {
                error(ex, 500, "InternalServerError", e.toString(), Optional.empty());
            } catch (IOException ignored) {
                // the client went away
            }
        } finally {
            uncount(ex); // when no answer was sent
        }
    }

    /**
     * The request stops counting against its mailbox's concurrent requests as its answer starts, as Exchange
     * counts them: the client may send its next request as soon as it has read this answer, before this
     * handler's thread has returned (counting until then saw 5 of a client's 4 and answered 429).
     */
    private void uncount(HttpExchange ex) {
        Mailbox m = counting.remove(ex);
        if (m != null) {
            m.inFlight.decrementAndGet();
        }
    }

    private static boolean hasCalendarPermission(JsonObject claims) {
        Set<String> granted = new HashSet<>();
        if (claims.has("roles") && claims.get("roles").isJsonArray()) {
            claims.getAsJsonArray("roles").forEach(r -> granted.add(r.getAsString()));
        }
        if (claims.has("scp") && claims.get("scp").isJsonPrimitive()) {
            granted.addAll(List.of(claims.get("scp").getAsString().split(" ")));
        }
        // A token that names no permissions at all is accepted: the simulated Entra may not set them.
        return granted.isEmpty() || granted.contains("Calendars.Read") || granted.contains("Calendars.ReadWrite")
                || granted.contains("Calendars.ReadBasic");
    }

    private static String kindOf(String[] seg) {
        if (seg.length < 3 || !seg[0].equalsIgnoreCase("users")) {
            return "unknown";
        }
        if (seg[2].equalsIgnoreCase("calendarView")) {
            if (seg.length == 3) {
                return "calendarView";
            }
            if (seg.length == 4 && (seg[3].equalsIgnoreCase("delta()") || seg[3].equalsIgnoreCase("delta"))) {
                return "delta";
            }
        }
        if (seg[2].equalsIgnoreCase("events") && seg.length == 4) {
            return "event";
        }
        return "unknown";
    }

    private Optional<Fault> nextFault(String path) {
        synchronized (lock) {
            Fault f = faults.peek();
            if (f != null && f.pathContains().map(path::contains).orElse(true)) {
                faults.poll();
                return Optional.of(f);
            }
            return Optional.empty();
        }
    }

    private record Prefs(int pageSize, ZoneId zone, boolean html, List<String> applied) {
    }

    private static Prefs prefs(HttpExchange ex) {
        int page = DEFAULT_PAGE;
        ZoneId zone = ZoneOffset.UTC;
        boolean html = true;
        List<String> applied = new ArrayList<>();
        List<String> values = ex.getRequestHeaders().getOrDefault("Prefer", List.of());
        for (String header : values) {
            for (String p : header.split(",")) {
                String[] kv = p.trim().split("=", 2);
                if (kv.length != 2) {
                    continue;
                }
                String v = kv[1].trim().replace("\"", "");
                switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                    case "odata.maxpagesize" -> {
                        try {
                            page = Math.max(1, Math.min(1000, Integer.parseInt(v)));
                            applied.add("odata.maxpagesize=" + page);
                        } catch (NumberFormatException ignored) {
                            // Graph ignores a preference it cannot read
                        }
                    }
                    case "outlook.timezone" -> {
                        try {
                            zone = v.equalsIgnoreCase("UTC") ? ZoneOffset.UTC : ZoneId.of(v);
                            applied.add("outlook.timezone=\"" + v + "\"");
                        } catch (RuntimeException ignored) {
                            // unknown zone: Graph falls back to UTC
                        }
                    }
                    case "outlook.body-content-type" -> {
                        html = !v.equalsIgnoreCase("text");
                        applied.add("outlook.body-content-type=\"" + (html ? "html" : "text") + "\"");
                    }
                    default -> { }
                }
            }
        }
        return new Prefs(page, zone, html, applied);
    }

    private void delta(HttpExchange ex, Mailbox m, String user, Map<String, String> q, Prefs prefs) throws IOException {
        List<JsonObject> items;
        String finalToken;
        JsonObject out = new JsonObject();
        synchronized (lock) {
            Instant now = clock.instant();
            if (q.containsKey("$skiptoken")) {
                Page p = skipTokens.remove(q.get("$skiptoken"));
                if (p == null || !p.mailbox.equals(m.address) || p.issued.plus(Duration.ofHours(1)).isBefore(now)) {
                    gone(ex);
                    return;
                }
                items = p.remaining;
                finalToken = p.deltaToken;
            } else {
                SyncState prior;
                if (q.containsKey("$deltatoken")) {
                    prior = deltaTokens.get(q.get("$deltatoken"));
                    if (prior == null || !prior.mailbox.equals(m.address)
                            || prior.issued.plus(deltaTokenLifetime).isBefore(now)) {
                        gone(ex);
                        return;
                    }
                } else {
                    Optional<Instant> from = instant(q.get("startDateTime"));
                    Optional<Instant> to = instant(q.get("endDateTime"));
                    if (from.isEmpty() || to.isEmpty()) {
                        error(ex, 400, "ErrorInvalidParameter", "This request requires a time window specified by the "
                                + "query string parameters StartDateTime and EndDateTime.", Optional.empty());
                        return;
                    }
                    prior = new SyncState(m.address, from.get(), to.get(), Map.of(), now);
                }
                Map<String, String> seen = new HashMap<>();
                items = new ArrayList<>();
                for (GraphEvents.Instance i : GraphEvents.view(m.events.values(), prior.from, prior.to)) {
                    JsonObject full = GraphEvents.render(i, m.address, prefs.zone, prefs.html, m.deleteComments);
                    String etag = full.get("@odata.etag").getAsString();
                    seen.put(i.id(), etag);
                    if (!etag.equals(prior.seen.get(i.id()))) {
                        items.add(i.type().equals("occurrence") ? GraphEvents.sparse(full) : full);
                    }
                }
                for (Map.Entry<String, JsonObject> raw : m.rawItems.entrySet()) {
                    String etag = Integer.toHexString(raw.getValue().toString().hashCode());
                    seen.put(raw.getKey(), etag);
                    if (!etag.equals(prior.seen.get(raw.getKey()))) {
                        items.add(raw.getValue().deepCopy());
                    }
                }
                for (String gone : prior.seen.keySet()) {
                    if (!seen.containsKey(gone)) {
                        items.add(GraphEvents.removed(gone));
                    }
                }
                finalToken = token();
                deltaTokens.put(finalToken, new SyncState(m.address, prior.from, prior.to, seen, now));
            }
            out.addProperty("@odata.context", baseUrl() + "/$metadata#Collection(event)");
            JsonArray value = new JsonArray();
            int n = Math.min(prefs.pageSize, items.size());
            items.subList(0, n).forEach(value::add);
            String base = baseUrl() + "/users/" + URLEncoder.encode(user, StandardCharsets.UTF_8) + "/calendarView/delta";
            if (n < items.size()) {
                String skip = token();
                skipTokens.put(skip, new Page(m.address, new ArrayList<>(items.subList(n, items.size())), finalToken, now));
                out.addProperty("@odata.nextLink", base + "?$skiptoken=" + skip);
            } else {
                out.addProperty("@odata.deltaLink", base + "?$deltatoken=" + finalToken);
            }
            out.add("value", value);
        }
        respond(ex, 200, out, prefs);
    }

    private void calendarView(HttpExchange ex, Mailbox m, String user, Map<String, String> q, Prefs prefs)
            throws IOException {
        Optional<Instant> from = instant(q.get("startDateTime"));
        Optional<Instant> to = instant(q.get("endDateTime"));
        if (from.isEmpty() || to.isEmpty()) {
            error(ex, 400, "ErrorInvalidParameter", "This request requires a time window specified by the query "
                    + "string parameters StartDateTime and EndDateTime.", Optional.empty());
            return;
        }
        int skip = 0;
        try {
            skip = Integer.parseInt(q.getOrDefault("$skip", "0"));
        } catch (NumberFormatException e) {
            error(ex, 400, "BadRequest", "Invalid $skip", Optional.empty());
            return;
        }
        JsonObject out = new JsonObject();
        synchronized (lock) {
            List<GraphEvents.Instance> all = GraphEvents.view(m.events.values(), from.get(), to.get());
            out.addProperty("@odata.context", baseUrl() + "/$metadata#users('" + user + "')/calendarView");
            JsonArray value = new JsonArray();
            int end = Math.min(all.size(), skip + prefs.pageSize);
            for (int i = Math.max(0, skip); i < end; i++) {
                value.add(GraphEvents.render(all.get(i), m.address, prefs.zone, prefs.html, m.deleteComments));
            }
            out.add("value", value);
            if (end < all.size()) {
                out.addProperty("@odata.nextLink", baseUrl() + "/users/" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                        + "/calendarView?startDateTime=" + q.get("startDateTime") + "&endDateTime=" + q.get("endDateTime")
                        + "&$skip=" + end);
            }
        }
        respond(ex, 200, out, prefs);
    }

    private void event(HttpExchange ex, Mailbox m, String id, Prefs prefs) throws IOException {
        JsonObject e = null;
        synchronized (lock) {
            GraphEvents.Stored s = m.events.get(id);
            if (s != null) {
                e = s.isSeries() ? GraphEvents.renderMaster(s, m.address, prefs.zone, prefs.html, m.deleteComments)
                        : GraphEvents.render(GraphEvents.view(List.of(s), Instant.MIN, Instant.MAX).get(0),
                                m.address, prefs.zone, prefs.html, m.deleteComments);
            } else {
                for (GraphEvents.Stored st : m.events.values()) {
                    if (!st.isSeries()) {
                        continue;
                    }
                    for (GraphEvents.Instance i : GraphEvents.expand(st, clock.instant().plus(Duration.ofDays(400)))) {
                        if (i.id().equals(id)) {
                            e = GraphEvents.render(i, m.address, prefs.zone, prefs.html, m.deleteComments);
                        }
                    }
                }
            }
        }
        if (e == null) {
            error(ex, 404, "ErrorItemNotFound", "The specified object was not found in the store.", Optional.empty());
            return;
        }
        JsonObject out = new JsonObject();
        out.addProperty("@odata.context", baseUrl() + "/$metadata#users('" + m.address + "')/events/$entity");
        e.entrySet().forEach(en -> out.add(en.getKey(), en.getValue()));
        respond(ex, 200, out, prefs);
    }

    private void gone(HttpExchange ex) throws IOException {
        error(ex, 410, "SyncStateNotFound", "The sync state generation is not found; start a new round of delta "
                + "requests without a token.", Optional.empty());
    }

    private static Optional<Instant> instant(String s) {
        if (s == null || s.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(OffsetDateTime.parse(s).toInstant());
        } catch (RuntimeException e) {
            try {
                return Optional.of(LocalDateTime.parse(s).toInstant(ZoneOffset.UTC));
            } catch (RuntimeException e2) {
                return Optional.empty();
            }
        }
    }

    /** Old sync states are dropped first, as Graph forgets tokens that are not used. */
    private static <V> Map<String, V> bounded(int max) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > max;
            }
        };
    }

    private static String token() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> q = new HashMap<>();
        if (raw == null) {
            return q;
        }
        for (String p : raw.split("&")) {
            int eq = p.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(p.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(p.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private void respond(HttpExchange ex, int status, JsonObject body, Prefs prefs) throws IOException {
        if (prefs != null && !prefs.applied.isEmpty()) {
            ex.getResponseHeaders().add("Preference-Applied", String.join(",", prefs.applied));
        }
        write(ex, status, body);
    }

    private void write(HttpExchange ex, int status, JsonElement body) throws IOException {
        uncount(ex);
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type",
                "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8");
        ex.getResponseHeaders().set("request-id", UUID.randomUUID().toString());
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private void error(HttpExchange ex, int status, String code, String message, Optional<Duration> retryAfter)
            throws IOException {
        JsonObject inner = new JsonObject();
        inner.addProperty("date", clock.instant().toString());
        inner.addProperty("request-id", UUID.randomUUID().toString());
        JsonObject err = new JsonObject();
        err.addProperty("code", code);
        err.addProperty("message", message);
        err.add("innerError", inner);
        JsonObject body = new JsonObject();
        body.add("error", err);
        retryAfter.ifPresent(d -> ex.getResponseHeaders().set("Retry-After", Long.toString(Math.max(0, d.toSeconds()))));
        if (status == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"\", authorization_uri="
                    + "\"https://login.microsoftonline.com/common/oauth2/authorize\", "
                    + "client_id=\"00000003-0000-0000-c000-000000000000\"");
        }
        write(ex, status, body);
    }

    // ---------------------------------------------------------------- admin API (HTTP)

    private void handleAdmin(HttpExchange ex) throws IOException {
        try (ex) {
            serveAdmin(ex);
        }
    }

    private void serveAdmin(HttpExchange ex) throws IOException {
        try {
            String[] seg = ex.getRequestURI().getRawPath().substring("/_admin/".length()).split("/");
            for (int i = 0; i < seg.length; i++) {
                seg[i] = URLDecoder.decode(seg[i], StandardCharsets.UTF_8);
            }
            JsonObject in = readJson(ex.getRequestBody());
            String method = ex.getRequestMethod();
            JsonObject out = new JsonObject();
            if (seg[0].equals("stats") && method.equals("GET")) {
                out.addProperty("requests", requests());
                JsonObject kinds = new JsonObject();
                requestsByKind.forEach((k, v) -> kinds.addProperty(k, v.get()));
                out.add("byKind", kinds);
                JsonObject boxes = new JsonObject();
                mailboxes.values().forEach(m -> {
                    JsonObject b = new JsonObject();
                    b.addProperty("requests", m.requests.get());
                    b.addProperty("maxConcurrent", m.maxInFlight.get());
                    boxes.add(m.address, b);
                });
                out.add("mailboxes", boxes);
            } else if (seg[0].equals("faults") && method.equals("POST")) {
                int count = in.has("count") ? in.get("count").getAsInt() : 1;
                failNext(count, new Fault(in.get("status").getAsInt(),
                        in.has("retryAfterSeconds") ? Optional.of(Duration.ofSeconds(in.get("retryAfterSeconds").getAsLong()))
                                : Optional.empty(),
                        in.has("pathContains") ? Optional.of(in.get("pathContains").getAsString()) : Optional.empty()));
            } else if (seg[0].equals("expire-delta-tokens") && method.equals("POST")) {
                expireDeltaTokens();
            } else if (seg[0].equals("mailboxes") && seg.length >= 2) {
                String box = seg[1];
                if (seg.length == 2 && method.equals("POST")) {
                    addMailbox(box);
                    if (in.has("readable")) {
                        setReadable(box, in.get("readable").getAsBoolean());
                    }
                } else if (seg.length == 3 && seg[2].equals("events") && method.equals("POST")) {
                    out.addProperty("id", book(box, bookingFromJson(in)));
                } else if (seg.length == 4 && method.equals("DELETE")) {
                    delete(box, seg[3]);
                } else if (seg.length == 5 && method.equals("POST")) {
                    switch (seg[4]) {
                        case "move" -> move(box, seg[3], ZonedDateTime.parse(in.get("start").getAsString()),
                                Duration.ofMinutes(in.get("durationMinutes").getAsLong()));
                        case "cancel" -> cancel(box, seg[3]);
                        case "respond" -> respond(box, seg[3], in.get("response").getAsString());
                        default -> throw new IllegalArgumentException("unknown action " + seg[4]);
                    }
                } else if (seg.length == 7 && seg[4].equals("occurrences") && method.equals("POST")) {
                    LocalDate date = LocalDate.parse(seg[5]);
                    if (seg[6].equals("move")) {
                        out.addProperty("id", moveOccurrence(box, seg[3], date, ZonedDateTime.parse(in.get("start").getAsString()),
                                Duration.ofMinutes(in.get("durationMinutes").getAsLong())));
                    } else if (seg[6].equals("cancel")) {
                        deleteOccurrence(box, seg[3], date);
                    } else {
                        throw new IllegalArgumentException("unknown occurrence action " + seg[6]);
                    }
                } else {
                    throw new IllegalArgumentException("unknown admin request " + method + " " + ex.getRequestURI().getPath());
                }
            } else {
                throw new IllegalArgumentException("unknown admin request " + method + " " + ex.getRequestURI().getPath());
            }
            out.addProperty("ok", true);
            write(ex, 200, out);
        } catch (RuntimeException e) {
            JsonObject err = new JsonObject();
            err.addProperty("ok", false);
            err.addProperty("error", e.getMessage() == null ? e.toString() : e.getMessage());
            write(ex, 400, err);
        }
    }

    private static JsonObject readJson(InputStream in) throws IOException {
        byte[] b = in.readNBytes(1 << 20);
        if (b.length == 0) {
            return new JsonObject();
        }
        JsonElement e = JsonParser.parseString(new String(b, StandardCharsets.UTF_8));
        if (!e.isJsonObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        return e.getAsJsonObject();
    }

    /**
     * A booking from admin JSON: {@code subject}, {@code start} (ISO zoned, e.g.
     * {@code 2026-03-29T10:00+02:00[Europe/Berlin]}), {@code durationMinutes}, optional
     * {@code organizer{name,address}}, {@code joinUrl}, {@code body}, {@code location},
     * {@code invitation} (see {@link #invitation}), {@code sensitivity}, {@code allDay}, {@code showAs},
     * {@code recurrence{type:daily|weekly, count, interval, days:[monday,...], until}}.
     */
    /**
     * A realistic body from {@link InvitationBodies}: {@code {"kind": "teams"}},
     * {@code {"kind": "teams-cvi", "provider": "cisco|poly|pexip|generic", "wording": "join_with|join_on_tenant_key|one_line",
     * "tenantKey": "...", "videoId": "..."}}, {@code {"kind": "webex", "site", "meetingNumber"}},
     * {@code {"kind": "zoom", "meetingId", "passcode"}}, {@code {"kind": "sip", "uri"}}; {@code "safeLinks": true} wraps links.
     */
    private static void invitation(Booking.Builder b, JsonObject inv) {
        String kind = inv.get("kind").getAsString().toLowerCase(Locale.ROOT);
        switch (kind) {
            case "teams" -> b.teamsInvitation();
            case "teams-cvi" -> b.teamsCviInvitation(
                    InvitationBodies.Provider.valueOf(inv.get("provider").getAsString().toUpperCase(Locale.ROOT)),
                    inv.has("wording") ? InvitationBodies.Wording.valueOf(inv.get("wording").getAsString()
                            .toUpperCase(Locale.ROOT)) : InvitationBodies.Wording.JOIN_WITH,
                    inv.get("tenantKey").getAsString(), inv.get("videoId").getAsString());
            case "webex" -> b.webexInvitation(inv.get("site").getAsString(), inv.get("meetingNumber").getAsString());
            case "zoom" -> b.zoomInvitation(inv.get("meetingId").getAsString(),
                    inv.has("passcode") ? inv.get("passcode").getAsString() : "");
            case "sip" -> b.sipInvitation(inv.get("uri").getAsString());
            default -> throw new IllegalArgumentException("unknown invitation kind '" + kind
                    + "' (teams, teams-cvi, webex, zoom, sip)");
        }
        if (inv.has("safeLinks") && inv.get("safeLinks").getAsBoolean()) {
            b.safeLinks();
        }
    }

    static Booking bookingFromJson(JsonObject in) {
        Booking.Builder b = Booking.of(in.get("subject").getAsString(), ZonedDateTime.parse(in.get("start").getAsString()),
                Duration.ofMinutes(in.has("durationMinutes") ? in.get("durationMinutes").getAsLong() : 30));
        if (in.has("organizer")) {
            JsonObject o = in.getAsJsonObject("organizer");
            b.organizer(o.get("name").getAsString(), o.get("address").getAsString());
        }
        if (in.has("joinUrl")) {
            b.teams(in.get("joinUrl").getAsString());
        }
        if (in.has("body")) {
            b.body(in.get("body").getAsString());
        }
        if (in.has("invitation")) {
            invitation(b, in.getAsJsonObject("invitation"));
        }
        if (in.has("location")) {
            b.location(in.get("location").getAsString());
        }
        if (in.has("sensitivity")) {
            b.sensitivity(in.get("sensitivity").getAsString());
        }
        if (in.has("allDay") && in.get("allDay").getAsBoolean()) {
            b.allDay();
        }
        if (in.has("showAs")) {
            b.showAs(in.get("showAs").getAsString());
        }
        if (in.has("recurrence")) {
            JsonObject r = in.getAsJsonObject("recurrence");
            int count = r.has("count") ? r.get("count").getAsInt() : 0;
            Set<DayOfWeek> days = new HashSet<>();
            if (r.has("days")) {
                r.getAsJsonArray("days").forEach(d -> days.add(DayOfWeek.valueOf(d.getAsString().toUpperCase(Locale.ROOT))));
            }
            Recurrence rec = new Recurrence("weekly".equalsIgnoreCase(r.get("type").getAsString())
                    ? Recurrence.Type.WEEKLY : Recurrence.Type.DAILY,
                    r.has("interval") ? r.get("interval").getAsInt() : 1, days, count,
                    r.has("until") ? Optional.of(LocalDate.parse(r.get("until").getAsString())) : Optional.empty());
            b.recurring(rec);
        }
        return b.build();
    }
}
