package io.roomwire.agent.calendar;

import com.google.gson.JsonObject;
import io.roomwire.agent.calendar.internal.CalendarSnapshot;
import io.roomwire.agent.calendar.internal.DeltaPage;
import io.roomwire.agent.calendar.internal.GraphCalendarClient;
import io.roomwire.agent.calendar.internal.GraphException;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import io.roomwire.provisioning.identity.AtRestCipher;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;
import javax.net.ssl.X509TrustManager;
import org.tinylog.Logger;

/**
 * The room mailbox's calendar, kept in sync with Microsoft Graph by calendarView delta rounds over
 * a sliding window (start of today minus {@code calendar.window-past} to start of today plus
 * {@code calendar.window-future}, in the room's zone), cached on disk together with its delta link,
 * and polled every {@code calendar.poll-interval}. The buttons come from {@link #meetings()}, which
 * is served from the cache whatever the network does.
 *
 * <p>What Graph does and what happens here: pages are followed to the delta link; {@code @removed}
 * items leave the cache; occurrences that carry only id/start/end/seriesMasterId get the details of
 * their series master, fetched once (in parallel, at most 4 requests per mailbox) and cached; a
 * 410/SyncStateNotFound starts a full round whose result replaces the cache only when complete;
 * 429/503/504 wait for Retry-After (else jittered back-off) and continue where they stopped;
 * a 401 gets one fresh token, then is reported; a 403 is reported with the permission and access
 * policy to fix. A new day starts a new round for the new window.
 */
public final class CalendarService implements Service {

    /** The store entry holding the cache and its delta link (one file, written atomically). */
    public static final String STORE_ENTRY = "calendar-cache.json";
    /** The cache holds meeting titles, organisers and join links: sealed under its own device-derived key. */
    static final String CACHE_KEY_PURPOSE = "roomwire/calendar-cache/v1";
    static final String CACHE_MAGIC = "RWCC";

    /** The cipher for the cache of a device whose identity {@code identity} supplies (loaded at start). */
    public static AtRestCipher cacheCipher(Supplier<Optional<DeviceIdentity>> identity) {
        return AtRestCipher.lazy(identity, CACHE_KEY_PURPOSE, CACHE_MAGIC);
    }

    private final String mailbox;
    private final URI graphUrl;
    private final GraphToken token;
    private final Scheduler scheduler;
    private final FileStore store;
    private final AtRestCipher atRest;
    private final ZoneId zone;
    private final Duration pollInterval;
    private final Duration windowPast;
    private final Duration windowFuture;
    private final Duration staleAfter;
    private final Duration requestTimeout;
    private final int pageSize;
    private final int maxConcurrent;
    private final Backoff backoff;
    private final List<String> dependsOn;
    private final List<String> startsAfter;
    private final Optional<X509TrustManager> trust;

    private final ReentrantLock syncLock = new ReentrantLock();
    private final Object schedLock = new Object();
    private final CopyOnWriteArrayList<MeetingsListener> listeners = new CopyOnWriteArrayList<>();
    private final List<CompletableFuture<SyncReport>> waiters = new ArrayList<>();

    private volatile CalendarSnapshot snapshot;
    private volatile List<MeetingInvite> meetings = List.of();
    private volatile Instant lastSuccess;
    private volatile Problem problem;
    private volatile Instant startedAt;
    /**
     * {@link #lastSuccess} and {@link #startedAt} on {@link Scheduler#monotonicNanos()}: staleness is an age
     * on this machine, so a step of the wall clock (an hour forward) does not make a fresh calendar stale, nor
     * (an hour back) a stale one fresh.
     */
    private volatile long lastSuccessNanos;
    private volatile long startedNanos;
    private volatile boolean running;
    private Instant lastPersist;
    private Round round;
    private GraphCalendarClient client;
    private final Object clientLock = new Object();
    private ExecutorService fetchers;
    private final AfterStart afterStart;
    private Scheduler.Cancellable next;
    private boolean immediate;

    private record Problem(GraphException.Kind kind, String message) {
    }

    /** The synced time range [from, to). */
    public record Window(Instant from, Instant to) {
    }

    /** One delta round: a full one over a window, or an incremental one from a delta link. */
    private static final class Round {
        final boolean full;
        final Window window;
        String link;
        final Map<String, JsonObject> items = new LinkedHashMap<>();
        String deltaLink;
        Set<String> mastersToFetch;
        final Map<String, Optional<JsonObject>> fetchedMasters = new HashMap<>();

        Round(boolean full, Window window, String link) {
            this.full = full;
            this.window = window;
            this.link = link;
        }
    }

    private CalendarService(Builder b) {
        this.mailbox = Objects.requireNonNull(b.mailbox, "mailbox");
        this.graphUrl = b.graphUrl;
        this.token = Objects.requireNonNull(b.token, "token");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.store = Objects.requireNonNull(b.store, "store");
        this.atRest = Objects.requireNonNull(b.atRest, "atRest: the calendar cache is never written in the clear");
        this.zone = b.zone;
        this.pollInterval = b.pollInterval;
        this.windowPast = b.windowPast;
        this.windowFuture = b.windowFuture;
        this.staleAfter = b.staleAfter;
        this.requestTimeout = b.requestTimeout;
        this.pageSize = b.pageSize;
        this.maxConcurrent = b.maxConcurrent;
        this.backoff = new Backoff(b.retryBase, b.retryMax, b.random);
        this.dependsOn = List.copyOf(b.dependsOn);
        this.startsAfter = List.copyOf(b.startsAfter);
        this.trust = b.trust;
        this.afterStart = b.afterStart;
        GraphCalendarClient.requireSecureTransport(graphUrl);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A calendar configured from {@link CalendarSettings} and {@code device.time-zone}.
     *
     * @throws IllegalArgumentException when {@code calendar.mailbox} is not set or the Graph URL is not https
     */
    public static CalendarService fromConfig(Config config, GraphToken token, Scheduler scheduler, FileStore store,
                                             AtRestCipher atRest, AfterStart afterStart) {
        String mailbox = config.find(CalendarSettings.MAILBOX).orElseThrow(() -> new IllegalArgumentException(
                "calendar.mailbox is not set: give the room mailbox address (e.g. room-4.12@contoso.com)"));
        return builder().mailbox(mailbox).graphUrl(config.get(CalendarSettings.GRAPH_URL)).token(token)
                .scheduler(scheduler).store(store).atRest(atRest).zone(config.get(AgentSettings.TIME_ZONE))
                .pollInterval(config.get(CalendarSettings.POLL_INTERVAL))
                .window(config.get(CalendarSettings.WINDOW_PAST), config.get(CalendarSettings.WINDOW_FUTURE))
                .pageSize(config.get(CalendarSettings.PAGE_SIZE))
                .staleAfter(config.get(CalendarSettings.STALE_AFTER))
                .maxConcurrentRequests(config.get(CalendarSettings.MAX_CONCURRENT))
                .retry(config.get(CalendarSettings.RETRY_BASE), config.get(CalendarSettings.RETRY_MAX))
                .requestTimeout(config.get(CalendarSettings.REQUEST_TIMEOUT))
                .startsAfter(List.of("entra"))
                .afterStart(afterStart)
                .build();
    }

    @Override
    public String name() {
        return "calendar";
    }

    @Override
    public List<String> dependsOn() {
        return dependsOn;
    }

    @Override
    public List<String> startsAfter() {
        return startsAfter;
    }

    @Override
    public void start() {
        synchronized (schedLock) {
            if (running) {
                return;
            }
        }
        AtomicInteger n = new AtomicInteger();
        fetchers = Executors.newFixedThreadPool(maxConcurrent, r -> {
            Thread t = new Thread(r, "roomwire-calendar-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        syncLock.lock();
        try {
            snapshot = loadCache().orElse(null);
            lastSuccess = snapshot == null ? null : snapshot.syncedAt();
            lastPersist = lastSuccess;
            round = null;
            problem = null;
            startedAt = scheduler.now();
            startedNanos = scheduler.monotonicNanos();
            lastSuccessNanos = lastSuccess == null ? 0 : scheduler.monotonicAt(lastSuccess);
            if (snapshot != null) {
                Logger.info("Calendar of {}: {} events from the cache (synced {})", mailbox, snapshot.events().size(),
                        snapshot.syncedAt());
                republish(snapshot);
            }
        } finally {
            syncLock.unlock();
        }
        synchronized (schedLock) {
            running = true;
            if (health().isUp()) {
                // A fresh cache is UP without a sync: the first one (which loads the Graph SDK) waits for the rest of the start.
                afterStart.run(this::firstSync);
            } else {
                next = scheduler.execute(this::tick);
            }
        }
    }

    /** The sync loop's first tick, unless it runs already (a {@link #syncNow} came first, or an earlier start's). */
    private void firstSync() {
        synchronized (schedLock) {
            if (running && next == null) {
                next = scheduler.execute(this::tick);
            }
        }
    }

    @Override
    public void stop() {
        List<CompletableFuture<SyncReport>> left;
        synchronized (schedLock) {
            if (!running) {
                return;
            }
            running = false;
            if (next != null) {
                next.cancel();
                next = null;
            }
            left = new ArrayList<>(waiters);
            waiters.clear();
        }
        left.forEach(f -> f.complete(report(0, "calendar stopped")));
        fetchers.shutdownNow();
        GraphCalendarClient c;
        synchronized (clientLock) {
            c = client;
            client = null;
        }
        if (c != null) {
            c.close();
        }
    }

    /**
     * The Graph client, built at the first sync (on the sync thread): building it loads the Graph SDK with
     * Kotlin, OkHttp and Kiota (~300 classes), which a start from a fresh cache does not need to be UP.
     */
    private GraphCalendarClient client() {
        synchronized (clientLock) {
            if (client == null) {
                client = new GraphCalendarClient(graphUrl, mailbox, token, maxConcurrent, pageSize, requestTimeout,
                        scheduler.clock(), trust);
            }
            return client;
        }
    }

    @Override
    public Health health() {
        if (!running) {
            return Health.down("calendar stopped");
        }
        Problem p = problem;
        Instant since = lastSuccess;
        long age = scheduler.monotonicNanos() - (since == null ? startedNanos : lastSuccessNanos);
        boolean stale = age > staleAfter.toNanos();
        String staleText = since == null ? "calendar never synced"
                : "calendar stale since " + since.truncatedTo(ChronoUnit.SECONDS);
        if (p != null && p.kind != GraphException.Kind.THROTTLED && p.kind != GraphException.Kind.NETWORK
                && p.kind != GraphException.Kind.OTHER) {
            String msg = p.message + (stale ? " (" + staleText + ")" : "");
            return snapshot == null ? Health.down(msg) : Health.degraded(msg);
        }
        if (stale) {
            return Health.degraded(staleText + (p == null ? "" : ": " + p.message));
        }
        if (snapshot == null) {
            return Health.degraded("first calendar sync of " + mailbox + " in progress");
        }
        return Health.up();
    }

    /** The room's meetings in the synced window, sorted by start; malformed events are left out. */
    public List<MeetingInvite> meetings() {
        return meetings;
    }

    /** The complete Graph JSON of a cached event (occurrences filled in from their series), for explain. */
    public Optional<JsonObject> eventJson(String id) {
        CalendarSnapshot s = snapshot;
        return s == null ? Optional.empty() : s.full(id).map(JsonObject::deepCopy);
    }

    /** When the cache was last known current. */
    public Optional<Instant> lastSync() {
        return Optional.ofNullable(lastSuccess);
    }

    /** The window currently cached, if any. */
    public Optional<Window> window() {
        CalendarSnapshot s = snapshot;
        return s == null ? Optional.empty() : Optional.of(new Window(s.windowStart(), s.windowEnd()));
    }

    public void addListener(MeetingsListener l) {
        listeners.add(l);
    }

    public void removeListener(MeetingsListener l) {
        listeners.remove(l);
    }

    /** Syncs now (the {@code calendar.sync} command); completes when that sync has finished or failed. */
    public CompletableFuture<SyncReport> syncNow() {
        CompletableFuture<SyncReport> f = new CompletableFuture<>();
        synchronized (schedLock) {
            if (!running) {
                f.complete(report(0, "calendar is not running"));
                return f;
            }
            waiters.add(f);
            immediate = true;
            if (next != null) {
                next.cancel();
            }
            next = scheduler.execute(this::tick);
        }
        return f;
    }

    /** The window for a given instant: whole local days around "today" in the room's zone. */
    public Window windowAt(Instant now) {
        LocalDate today = now.atZone(zone).toLocalDate();
        ZonedDateTime sod = today.atStartOfDay(zone);
        return new Window(shift(sod, windowPast.negated()).toInstant(), shift(sod, windowFuture).toInstant());
    }

    private static ZonedDateTime shift(ZonedDateTime t, Duration d) {
        long days = d.toDays();
        return t.plusDays(days).plus(d.minusDays(days));
    }

    // ------------------------------------------------------------------ the sync loop

    private void tick() {
        List<CompletableFuture<SyncReport>> mine;
        synchronized (schedLock) {
            if (!running) {
                return;
            }
            immediate = false;
            mine = new ArrayList<>(waiters);
            waiters.clear();
        }
        Duration delay;
        int requests;
        syncLock.lock();
        try {
            int before = client().requests();
            delay = syncOnce();
            requests = client().requests() - before;
        } catch (RuntimeException e) {
            Logger.error(e, "Calendar sync of {} failed unexpectedly: {}", mailbox, e.toString());
            problem = new Problem(GraphException.Kind.OTHER, "calendar sync failed: " + e);
            delay = backoff.next();
            requests = 0;
        } finally {
            syncLock.unlock();
        }
        Problem p = problem;
        SyncReport r = report(requests, p == null ? "calendar of " + mailbox + " is current" : p.message);
        mine.forEach(f -> f.complete(r));
        synchronized (schedLock) {
            if (!running) {
                return;
            }
            if (next != null) {
                next.cancel();
            }
            next = scheduler.schedule(immediate ? Duration.ZERO : delay, this::tick);
        }
    }

    private SyncReport report(int requests, String message) {
        boolean ok = problem == null && round == null && lastSuccess != null;
        return new SyncReport(ok, meetings.size(), requests, Optional.ofNullable(lastSuccess), message);
    }

    /** Runs or continues one round; returns the delay before the next tick. */
    private Duration syncOnce() {
        Instant now = scheduler.now();
        if (round == null) {
            Window w = windowAt(now);
            CalendarSnapshot s = snapshot;
            if (s != null && s.windowStart().equals(w.from()) && s.windowEnd().equals(w.to())
                    && client().isOurs(s.deltaLink())) {
                round = new Round(false, w, s.deltaLink());
            } else {
                Logger.info("Calendar of {}: new delta round over [{}, {}) ({})", mailbox, w.from(), w.to(),
                        s == null ? "no cache" : client().isOurs(s.deltaLink()) ? "window moved"
                                : "calendar.graph-url changed");
                round = new Round(true, w, null);
            }
        }
        try {
            runRound(round);
            complete(round, scheduler.now());
            round = null;
            problem = null;
            backoff.reset();
            lastSuccessNanos = scheduler.monotonicNanos();
            lastSuccess = scheduler.now();
            return pollInterval;
        } catch (GraphException e) {
            return failed(e, now);
        }
    }

    /** How soon the calendar looks for an access token again while it has none (nothing is sent meanwhile). */
    static final Duration NO_TOKEN_RECHECK = Duration.ofSeconds(5);

    private Duration failed(GraphException e, Instant now) {
        switch (e.kind()) {
            case SYNC_STATE_GONE -> {
                boolean wasFull = round.full;
                Logger.info("Calendar of {}: delta state expired ({}); full resync, buttons stay from the cache",
                        mailbox, e.getMessage());
                round = new Round(true, windowAt(now), null);
                return wasFull ? backoff.next() : Duration.ZERO;
            }
            case THROTTLED -> {
                Duration d = e.retryAfter().orElseGet(backoff::next);
                problem = new Problem(e.kind(), e.getMessage() + "; retrying in " + d.toSeconds() + "s");
                Logger.warn("Calendar of {}: {}; retrying in {}s{}", mailbox, e.getMessage(), d.toSeconds(),
                        e.retryAfter().isPresent() ? " (Retry-After)" : "");
                return d;
            }
            case UNAUTHORIZED -> {
                if (e.status() == 0) {
                    // No token at hand is a local condition, looked at again at no cost: the calendar syncs within
                    // seconds of the refresh that ends an Entra outage, not after a back-off grown meanwhile.
                    boolean changed = problem == null || !problem.message().equals(e.getMessage());
                    problem = new Problem(e.kind(), e.getMessage());
                    if (changed) {
                        Logger.warn("Calendar of {}: {}; looking again every {}s", mailbox, problem.message(),
                                NO_TOKEN_RECHECK.toSeconds());
                    }
                    return NO_TOKEN_RECHECK;
                }
                problem = new Problem(e.kind(), "Graph rejected the room's access token: " + e.getMessage()
                        + " (check the device enrollment with 'roomwire enroll' and the app's admin consent)");
            }
            case ACCESS_DENIED -> problem = new Problem(e.kind(), "Graph returned 403 "
                    + (e.code().isEmpty() ? "" : e.code() + " ") + "for " + mailbox
                    + ": grant the application permission Calendars.Read (with admin consent) and include this mailbox in "
                    + "the application access policy (New-ApplicationAccessPolicy -AccessRight RestrictAccess; "
                    + "verify with Test-ApplicationAccessPolicy)");
            case NOT_FOUND -> problem = new Problem(e.kind(), "Graph does not know the mailbox " + mailbox + " ("
                    + e.getMessage() + "): check calendar.mailbox");
            default -> problem = new Problem(e.kind(), e.getMessage());
        }
        Duration d = backoff.next();
        Logger.warn("Calendar of {}: {}; next attempt in {}s", mailbox, problem.message, d.toSeconds());
        return d;
    }

    private void runRound(Round r) throws GraphException {
        while (r.deltaLink == null) {
            DeltaPage p = r.link == null ? client().deltaStart(r.window.from(), r.window.to()) : client().deltaFollow(r.link);
            for (JsonObject item : p.items()) {
                Optional<String> id = CalendarSnapshot.string(item, "id");
                if (id.isEmpty()) {
                    Logger.warn("Calendar of {}: skipping a delta item without id", mailbox);
                    continue;
                }
                if (item.has("@removed") && r.full) {
                    r.items.remove(id.get());
                } else {
                    r.items.put(id.get(), item);
                }
            }
            if (p.nextLink().isPresent()) {
                r.link = p.nextLink().get();
            } else {
                r.deltaLink = p.deltaLink().orElseThrow();
            }
        }
        if (r.mastersToFetch == null) {
            r.mastersToFetch = mastersNeeded(r);
        }
        fetchMasters(r);
    }

    /** Series whose details must be (re)fetched: new to us, or with an occurrence that changed. */
    private Set<String> mastersNeeded(Round r) {
        CalendarSnapshot base = snapshot;
        Set<String> need = new LinkedHashSet<>();
        for (Map.Entry<String, JsonObject> en : r.items.entrySet()) {
            JsonObject item = en.getValue();
            if (item.has("@removed") || !CalendarSnapshot.isSparse(item)) {
                continue;
            }
            String master = item.get("seriesMasterId").getAsString();
            JsonObject old = base == null ? null : base.events().get(en.getKey());
            boolean known = base != null && base.masters().containsKey(master);
            if (!known || old == null || !Objects.equals(CalendarSnapshot.string(old, "@odata.etag"),
                    CalendarSnapshot.string(item, "@odata.etag"))) {
                need.add(master);
            }
        }
        return need;
    }

    private void fetchMasters(Round r) throws GraphException {
        List<String> todo = r.mastersToFetch.stream().filter(id -> !r.fetchedMasters.containsKey(id)).toList();
        if (todo.isEmpty()) {
            return;
        }
        if (todo.size() == 1) {
            r.fetchedMasters.put(todo.get(0), client().event(todo.get(0)));
            return;
        }
        List<Future<Optional<JsonObject>>> futures = new ArrayList<>();
        for (String id : todo) {
            GraphCalendarClient c = client();
            futures.add(fetchers.submit(() -> c.event(id)));
        }
        GraphException first = null;
        for (int i = 0; i < todo.size(); i++) {
            try {
                r.fetchedMasters.put(todo.get(i), futures.get(i).get());
            } catch (ExecutionException e) {
                if (e.getCause() instanceof GraphException g) {
                    first = first == null ? g : first;
                } else {
                    first = first == null ? new GraphException(GraphException.Kind.OTHER, 0, "",
                            "fetching series details failed: " + e.getCause(), Optional.empty(), e.getCause()) : first;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GraphException(GraphException.Kind.NETWORK, 0, "", "interrupted", Optional.empty(), e);
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private void complete(Round r, Instant now) {
        CalendarSnapshot old = snapshot;
        Map<String, JsonObject> events;
        Window w = r.window;
        if (r.full) {
            events = new LinkedHashMap<>(r.items);
        } else {
            events = new LinkedHashMap<>(old.events());
            w = new Window(old.windowStart(), old.windowEnd());
            for (Map.Entry<String, JsonObject> en : r.items.entrySet()) {
                if (en.getValue().has("@removed")) {
                    events.remove(en.getKey());
                } else {
                    events.put(en.getKey(), en.getValue());
                }
            }
        }
        Map<String, JsonObject> masters = new LinkedHashMap<>();
        for (JsonObject e : events.values()) {
            if (!CalendarSnapshot.isSparse(e)) {
                continue;
            }
            String id = e.get("seriesMasterId").getAsString();
            if (masters.containsKey(id)) {
                continue;
            }
            Optional<JsonObject> fetched = r.fetchedMasters.get(id);
            JsonObject m = fetched != null ? fetched.orElse(null) : old == null ? null : old.masters().get(id);
            if (m != null) {
                masters.put(id, m);
            } else if (fetched != null) {
                Logger.warn("Calendar of {}: series {} is gone (404); its occurrences wait for the next delta", mailbox, id);
            }
        }
        boolean changed = r.full || !r.items.isEmpty() || !r.fetchedMasters.isEmpty();
        CalendarSnapshot s = new CalendarSnapshot(mailbox, w.from(), w.to(), r.deltaLink, now, events, masters);
        snapshot = s;
        if (changed || lastPersist == null || !now.isBefore(lastPersist.plus(persistIdle()))) {
            persist(s);
        }
        if (changed) {
            Logger.info("Calendar of {}: {} ({} changes, {} series fetched, {} events cached)", mailbox,
                    r.full ? "full round complete" : "delta applied", r.items.size(), r.fetchedMasters.size(),
                    events.size());
            republish(s);
        }
    }

    /** Unchanged caches are still written now and then so the stored delta link and time stay fresh. */
    private Duration persistIdle() {
        Duration half = staleAfter.dividedBy(2);
        return half.compareTo(pollInterval) < 0 ? pollInterval : half;
    }

    private void persist(CalendarSnapshot s) {
        try {
            store.write(STORE_ENTRY, atRest.seal(STORE_ENTRY, s.toBytes()), FileStore.Sensitivity.SECRET);
            lastPersist = s.syncedAt();
        } catch (IOException | RuntimeException e) {
            Logger.error("Calendar of {}: cannot write the cache ({}); serving it from memory", mailbox, e.getMessage());
        }
    }

    private Optional<CalendarSnapshot> loadCache() {
        try {
            Optional<byte[]> b = store.read(STORE_ENTRY);
            if (b.isEmpty()) {
                return Optional.empty();
            }
            boolean plain = !atRest.isSealed(b.get());
            CalendarSnapshot s = CalendarSnapshot.fromBytes(plain ? b.get() : atRest.open(STORE_ENTRY, b.get()));
            if (!s.mailbox().equalsIgnoreCase(mailbox)) {
                Logger.info("Calendar cache belongs to {}, not {}; starting afresh", s.mailbox(), mailbox);
                return Optional.empty();
            }
            if (plain) {
                // written by a version that kept it in the clear: seal it now rather than at the next change
                Logger.info("Calendar of {}: encrypting the cache left in the clear by an earlier version", mailbox);
                persist(s);
                if (!atRest.isSealed(store.read(STORE_ENTRY).orElse(new byte[0]))) {
                    store.delete(STORE_ENTRY);
                }
            }
            return Optional.of(s);
        } catch (AtRestCipher.OpenException e) {
            Logger.error("Calendar cache {}; starting afresh with a full sync", e.getMessage());
        } catch (CorruptStateException e) {
            Logger.error("Calendar cache was corrupt ({}); starting afresh with a full sync", e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            Logger.error("Calendar cache unreadable ({}); starting afresh with a full sync", e.getMessage());
        }
        return Optional.empty();
    }

    private void republish(CalendarSnapshot s) {
        List<MeetingInvite> list = new ArrayList<>(s.events().size());
        for (String id : s.events().keySet()) {
            Optional<JsonObject> full = s.full(id);
            if (full.isEmpty()) {
                Logger.warn("Calendar of {}: occurrence {} left out: its series details are not available", mailbox, id);
                continue;
            }
            try {
                list.add(MeetingInvite.fromGraphJson(full.get()));
            } catch (RuntimeException e) {
                Logger.warn("Calendar of {}: skipping malformed event {}: {}", mailbox, id, e.getMessage());
            }
        }
        list.sort(Comparator.comparing(MeetingInvite::start).thenComparing(MeetingInvite::id));
        List<MeetingInvite> now = List.copyOf(list);
        if (now.equals(meetings)) {
            return;
        }
        meetings = now;
        for (MeetingsListener l : listeners) {
            try {
                l.meetingsChanged(now);
            } catch (RuntimeException e) {
                Logger.error(e, "A meetings listener failed: {}", e.toString());
            }
        }
    }

    /** Builder; every duration has the default of its {@link CalendarSettings} key. */
    public static final class Builder {
        private String mailbox;
        private URI graphUrl = URI.create("https://graph.microsoft.com/v1.0");
        private GraphToken token;
        private Scheduler scheduler;
        private FileStore store;
        private AtRestCipher atRest;
        private ZoneId zone = ZoneId.of("UTC");
        private Duration pollInterval = Duration.ofSeconds(30);
        private Duration windowPast = Duration.ofDays(1);
        private Duration windowFuture = Duration.ofDays(7);
        private Duration staleAfter = Duration.ofMinutes(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration retryBase = Duration.ofSeconds(2);
        private Duration retryMax = Duration.ofMinutes(5);
        private int pageSize = 100;
        private int maxConcurrent = 4;
        private RandomGenerator random = new Random();
        private List<String> dependsOn = List.of();
        private List<String> startsAfter = List.of();
        private Optional<X509TrustManager> trust = Optional.empty();
        private AfterStart afterStart = AfterStart.open();

        private Builder() {
        }

        /** Trust these certificates for Graph's TLS instead of the system's (a private or test CA). */
        public Builder trust(X509TrustManager tm) {
            this.trust = Optional.of(tm);
            return this;
        }

        public Builder mailbox(String m) {
            this.mailbox = m;
            return this;
        }

        public Builder graphUrl(URI u) {
            this.graphUrl = u;
            return this;
        }

        public Builder graphUrl(String u) {
            return graphUrl(URI.create(u));
        }

        public Builder token(GraphToken t) {
            this.token = t;
            return this;
        }

        public Builder scheduler(Scheduler s) {
            this.scheduler = s;
            return this;
        }

        public Builder store(FileStore s) {
            this.store = s;
            return this;
        }

        /** How the cache is sealed at rest ({@link #cacheCipher}). */
        public Builder atRest(AtRestCipher c) {
            this.atRest = c;
            return this;
        }

        /** The room's time zone: "today" and the window follow it. */
        public Builder zone(ZoneId z) {
            this.zone = z;
            return this;
        }

        public Builder pollInterval(Duration d) {
            this.pollInterval = positive(d, "poll interval");
            return this;
        }

        public Builder window(Duration past, Duration future) {
            if (past.isNegative() || future.isNegative() || future.isZero()) {
                throw new IllegalArgumentException("calendar window must not be negative and must reach into the future");
            }
            this.windowPast = past;
            this.windowFuture = future;
            return this;
        }

        public Builder staleAfter(Duration d) {
            this.staleAfter = positive(d, "stale-after");
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = positive(d, "request timeout");
            return this;
        }

        public Builder retry(Duration base, Duration max) {
            this.retryBase = base;
            this.retryMax = max;
            return this;
        }

        public Builder pageSize(int n) {
            if (n < 1 || n > 1000) {
                throw new IllegalArgumentException("page size must be 1..1000");
            }
            this.pageSize = n;
            return this;
        }

        public Builder maxConcurrentRequests(int n) {
            if (n < 1 || n > 4) {
                throw new IllegalArgumentException("concurrent requests per mailbox must be 1..4 (Exchange allows 4)");
            }
            this.maxConcurrent = n;
            return this;
        }

        /** Seeded randomness for the back-off jitter (tests). */
        public Builder random(RandomGenerator r) {
            this.random = r;
            return this;
        }

        /** Services the calendar starts after without needing them up (sign-in, which loads the token). */
        public Builder startsAfter(List<String> services) {
            this.startsAfter = services;
            return this;
        }

        /** Where a start from a fresh cache leaves its first sync (default: none, it syncs at once). */
        public Builder afterStart(AfterStart a) {
            this.afterStart = Objects.requireNonNull(a, "afterStart");
            return this;
        }

        public Builder dependsOn(List<String> services) {
            this.dependsOn = services;
            return this;
        }

        public CalendarService build() {
            return new CalendarService(this);
        }

        private static Duration positive(Duration d, String what) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive");
            }
            return d;
        }
    }
}
