package io.roomwire.provisioning.entra;

import com.google.gson.JsonObject;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.EnrollmentStatus;
import io.roomwire.provisioning.entra.internal.EntraHttp;
import io.roomwire.provisioning.entra.internal.OAuthError;
import io.roomwire.provisioning.identity.DeviceIdentity;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * Keeps the room signed in to Entra ID: loads the encrypted tokens at start (or runs a
 * device-code enrollment when there are none), refreshes at about 80% of the access token's
 * lifetime with jitter, stores each rotated refresh token atomically before the new access
 * token is used, and falls back to a new device-code enrollment when Entra refuses the refresh
 * token ({@code invalid_grant}). Conditional access refusing a non-compliant device (AADSTS53000)
 * is {@link EnrollmentState#BLOCKED_BY_COMPLIANCE}: the refresh token is kept and retried with
 * back-off until the device is compliant again.
 *
 * <p>Every state change is a {@code enrollment.changed} {@link DeviceEvent}. All work runs on the
 * {@link Scheduler}; no method blocks on I/O.
 */
public final class TokenManager implements Service, AccessTokens {

    public static final String EVENT = "enrollment.changed";
    static final Duration EXPIRY_SKEW = Duration.ofSeconds(30);
    static final Duration MIN_REFRESH_SPACING = Duration.ofSeconds(30);
    public static final String REVOKED_NOTICE = "The room's sign-in expired or was revoked; sign in again.";

    private final EntraConfig config;
    private final DeviceIdentity identity;
    private final FileStore store;
    private final Scheduler scheduler;
    private final EventSink events;
    private final RandomGenerator random;
    private final Object lock = new Object();
    private final List<EnrollmentListener> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<EnrollmentStatus>> statusListeners = new CopyOnWriteArrayList<>();
    private final Backoff refreshBackoff;
    private final Backoff complianceBackoff;
    private final EntraHttp suppliedHttp;
    private final AfterStart afterStart;

    private EntraHttp http;
    private final TokenVault vault;
    private DeviceCodeEnrollment enrollment;
    private TokenSet tokens;
    private EnrollmentStatus status = EnrollmentStatus.of(EnrollmentState.NOT_ENROLLED);
    private String persistProblem;
    private String refreshProblem;
    private Scheduler.Cancellable refreshTask;
    private CompletableFuture<Optional<String>> refreshInFlight;
    /** When the last refresh succeeded, on {@link Scheduler#monotonicNanos()}; null before the first. */
    private Long lastRefreshNanos;
    /**
     * The current tokens' issue and expiry on {@link Scheduler#monotonicNanos()}: fixed when the tokens
     * arrive (or are loaded), so a step of the wall clock neither expires a fresh token (an hour forward
     * left rooms "access token expired; refresh failing: pending" until the refresh timer, 48 minutes
     * of real time later) nor keeps an expired one (an hour back).
     */
    private long issuedNanos;
    private long expiresNanos;
    private boolean started;

    private TokenManager(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config");
        this.identity = Objects.requireNonNull(b.identity, "identity");
        this.store = Objects.requireNonNull(b.store, "store");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.events = b.events;
        this.random = b.random;
        this.suppliedHttp = b.http;
        this.afterStart = b.afterStart;
        this.refreshBackoff = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5), random);
        this.complianceBackoff = new Backoff(Duration.ofSeconds(30), Duration.ofMinutes(10), random);
        this.vault = new TokenVault(store, identity, scheduler.clock());
        listeners.addAll(b.listeners);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder: config, identity, store and scheduler are required. */
    public static final class Builder {
        private EntraConfig config;
        private DeviceIdentity identity;
        private FileStore store;
        private Scheduler scheduler;
        private EventSink events = EventSink.none();
        private RandomGenerator random = new Random();
        private EntraHttp http;
        private AfterStart afterStart = AfterStart.open();
        private final List<EnrollmentListener> listeners = new CopyOnWriteArrayList<>();

        public Builder config(EntraConfig c) {
            this.config = c;
            return this;
        }

        public Builder identity(DeviceIdentity i) {
            this.identity = i;
            return this;
        }

        public Builder store(FileStore s) {
            this.store = s;
            return this;
        }

        public Builder scheduler(Scheduler s) {
            this.scheduler = s;
            return this;
        }

        public Builder events(EventSink e) {
            this.events = e;
            return this;
        }

        /** Jitter and back-off randomness (seed it in tests). */
        public Builder random(RandomGenerator r) {
            this.random = r;
            return this;
        }

        /** The HTTP client to use (tests share it to wait for answers in flight); default: built from config. */
        public Builder http(EntraHttp h) {
            this.http = h;
            return this;
        }

        /**
         * Where a start from stored tokens makes its HTTP client (and so checks {@code entra.ca-file}): the agent's
         * gate, once every service is UP; default: at once, after the start.
         */
        public Builder afterStart(AfterStart a) {
            this.afterStart = a;
            return this;
        }

        public Builder listener(EnrollmentListener l) {
            listeners.add(l);
            return this;
        }

        public TokenManager build() {
            return new TokenManager(this);
        }
    }

    public void addListener(EnrollmentListener l) {
        listeners.add(l);
    }

    @Override
    public void onEnrollmentChange(Consumer<EnrollmentStatus> listener) {
        statusListeners.add(listener);
    }

    @Override
    public String name() {
        return "entra";
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (started) {
                return;
            }
            started = true;
            Optional<TokenSet> loaded;
            try {
                loaded = vault.load();
            } catch (TokenVault.VaultException e) {
                Logger.error("{}; enrolling again", e.getMessage());
                enrollAtStart(Optional.of("The room's stored sign-in could not be read; sign in again."),
                        "stored tokens unusable: " + e.getMessage());
                return;
            }
            if (loaded.isEmpty()) {
                Logger.info("No Entra tokens stored: starting device-code enrollment");
                enrollAtStart(Optional.empty(), "");
                return;
            }
            TokenSet t = loaded.get();
            if (!t.clientId().equals(config.clientId()) || !t.tenant().equalsIgnoreCase(config.tenant())) {
                Logger.warn("Stored Entra tokens were issued for another {} / {}; enrolling again",
                        EntraConfig.KEY_CLIENT_ID, EntraConfig.KEY_TENANT);
                deleteTokens();
                enrollAtStart(Optional.of("The room's sign-in settings changed (" + EntraConfig.KEY_CLIENT_ID + " or "
                        + EntraConfig.KEY_TENANT + "); sign in again."), "");
                return;
            }
            use(t);
            Logger.info("Loaded Entra tokens for {}; access token valid until {}", t.account(), t.expiresAt());
            setStatus(EnrollmentStatus.of(EnrollmentState.ENROLLED), Optional.of(t.account()));
            scheduleRefresh();
            // Stored tokens need no HTTP client until their refresh: its TLS context and java.net.http's client
            // (~25 ms of this start, and the JDK's trust store without entra.ca-file) wait until the start is over.
            afterStart.run(() -> scheduler.execute(() -> {
                synchronized (lock) {
                    if (started) {
                        httpReady();
                    }
                }
            }));
        }
    }

    /**
     * Enrolling from {@link #start}: a configuration that cannot give an HTTP client fails the start, with
     * the key to fix, as it always has.
     */
    private void enrollAtStart(Optional<String> notice, String reason) {
        if (!httpReady()) {
            started = false;
            throw new IllegalArgumentException(status.reason());
        }
        enroll(notice, reason);
    }

    /**
     * Makes the HTTP client (and the device-code flow over it) at its first use. False when the configuration
     * cannot give one (an {@code entra.ca-file} that is missing or holds no certificate): then the status is
     * FAILED with the reason, and tokens already loaded still serve until they expire.
     */
    private boolean httpReady() {
        if (http != null) {
            return true;
        }
        try {
            http = suppliedHttp != null ? suppliedHttp : new EntraHttp(config, scheduler);
        } catch (IllegalArgumentException e) {
            Logger.error("Entra cannot be reached: {}", e.getMessage());
            cancelRefreshTask();
            setStatus(new EnrollmentStatus(EnrollmentState.FAILED, e.getMessage()), Optional.ofNullable(tokens).map(TokenSet::account));
            return false;
        }
        enrollment = new DeviceCodeEnrollment(config, http, scheduler, random, lock, fanOut(), this::onDeviceCodeTokens);
        return true;
    }

    @Override
    public void stop() {
        synchronized (lock) {
            started = false;
            if (enrollment != null) {
                enrollment.cancel();
            }
            cancelRefreshTask();
            if (refreshInFlight != null) {
                refreshInFlight.complete(Optional.empty());
                refreshInFlight = null;
            }
        }
    }

    @Override
    public Health health() {
        synchronized (lock) {
            return switch (status.state()) {
                case NOT_ENROLLED -> Health.down("not started");
                case FAILED -> Health.down(status.reason());
                case ENROLLING -> Health.degraded(enrollment.problem().map(p -> "cannot reach Entra to sign in: " + p)
                        .orElse("waiting for an admin to sign the room in with the code on the panel"));
                case DECLINED -> Health.degraded("sign-in was declined; ask for a new code on the panel");
                case BLOCKED_BY_COMPLIANCE -> Health.degraded("conditional access blocks new tokens: " + status.reason());
                case ENROLLED -> {
                    if (persistProblem != null) {
                        yield Health.degraded("tokens cannot be stored: " + persistProblem);
                    }
                    if (tokens != null && !accessTokenValid(Duration.ZERO)) {
                        yield Health.degraded("access token expired; refresh failing: " + Objects.requireNonNullElse(refreshProblem, "pending"));
                    }
                    yield Health.up();
                }
            };
        }
    }

    @Override
    public Optional<String> accessToken() {
        synchronized (lock) {
            if (tokens == null || !started) {
                return Optional.empty();
            }
            return accessTokenValid(EXPIRY_SKEW) ? Optional.of(tokens.accessToken()) : Optional.empty();
        }
    }

    @Override
    public CompletableFuture<Optional<String>> refreshAfterUnauthorized() {
        synchronized (lock) {
            if (tokens == null || !started) {
                return CompletableFuture.completedFuture(Optional.empty());
            }
            if (refreshInFlight != null) {
                return refreshInFlight;
            }
            if (lastRefreshNanos != null && scheduler.monotonicNanos() - lastRefreshNanos < MIN_REFRESH_SPACING.toNanos()) {
                // A token minutes old being refused again will not be fixed by hammering Entra.
                return CompletableFuture.completedFuture(accessToken());
            }
            return refresh();
        }
    }

    @Override
    public Optional<Account> account() {
        synchronized (lock) {
            return Optional.ofNullable(tokens).map(TokenSet::account);
        }
    }

    @Override
    public EnrollmentStatus enrollment() {
        synchronized (lock) {
            return status;
        }
    }

    /** The code on screen while enrolling. */
    public Optional<DeviceCodePrompt> currentPrompt() {
        synchronized (lock) {
            return enrollment == null ? Optional.empty() : enrollment.prompt();
        }
    }

    /** After a decline or failure: request a new code (the panel's "new code" button). */
    public void requestNewCode() {
        synchronized (lock) {
            if (!started) {
                return;
            }
            if (status.state() == EnrollmentState.ENROLLED || status.state() == EnrollmentState.BLOCKED_BY_COMPLIANCE) {
                return;
            }
            enroll(Optional.empty(), "");
        }
    }

    /** Operator action: forget the tokens and enroll again (e.g. {@code roomwire enroll --force}). */
    public void reenroll(String reason) {
        synchronized (lock) {
            deleteTokens();
            if (started) {
                enroll(Optional.of(reason), reason);
            } else {
                setStatus(new EnrollmentStatus(EnrollmentState.NOT_ENROLLED, reason), Optional.empty());
            }
        }
    }

    // ------------------------------------------------------------------ enrollment

    /** {@code notice} is shown with the code; {@code reason} (or else the notice) goes into the status and event. */
    private void enroll(Optional<String> notice, String reason) {
        cancelRefreshTask();
        tokens = null;
        if (!httpReady()) {
            return;
        }
        setStatus(new EnrollmentStatus(EnrollmentState.ENROLLING, reason.isEmpty() ? notice.orElse("") : reason), Optional.empty());
        enrollment.start(notice);
    }

    private EnrollmentListener fanOut() {
        return new EnrollmentListener() {
            @Override
            public void codeShown(DeviceCodePrompt prompt) {
                listeners.forEach(l -> safely(() -> l.codeShown(prompt)));
            }

            @Override
            public void declined(String reason) {
                setStatus(new EnrollmentStatus(EnrollmentState.DECLINED, reason), Optional.empty());
                listeners.forEach(l -> safely(() -> l.declined(reason)));
            }

            @Override
            public void retrying(String reason, Duration delay) {
                listeners.forEach(l -> safely(() -> l.retrying(reason, delay)));
            }

            @Override
            public void failed(EnrollmentFailure failure) {
                setStatus(new EnrollmentStatus(EnrollmentState.FAILED, failure.message()), Optional.empty());
                listeners.forEach(l -> safely(() -> l.failed(failure)));
            }
        };
    }

    private void onDeviceCodeTokens(JsonObject response) {
        TokenSet t;
        try {
            t = TokenSet.fromResponse(response, scheduler.now(), config, Optional.empty());
        } catch (IllegalArgumentException e) {
            EnrollmentFailure f = new EnrollmentFailure(Optional.of(EntraConfig.KEY_SCOPES), e.getMessage());
            Logger.error("Entra sign-in finished but cannot be used: {}", e.getMessage());
            setStatus(new EnrollmentStatus(EnrollmentState.FAILED, f.message()), Optional.empty());
            listeners.forEach(l -> safely(() -> l.failed(f)));
            return;
        }
        persist(t);
        use(t);
        lastRefreshNanos = scheduler.monotonicNanos();
        refreshBackoff.reset();
        Logger.info("Enrolled with Entra as {}", t.account());
        setStatus(EnrollmentStatus.of(EnrollmentState.ENROLLED), Optional.of(t.account()));
        listeners.forEach(l -> safely(() -> l.enrolled(t.account())));
        scheduleRefresh();
    }

    // ------------------------------------------------------------------ refresh

    /**
     * When the next refresh is due: 80% of the time the token is handed out (its lifetime less
     * {@link #EXPIRY_SKEW}), minus up to 5% jitter. Counting from the skew, not the expiry, keeps a
     * short-lived token (minutes) from being withheld from Graph before its refresh is even tried.
     */
    Instant refreshDueAt(TokenSet t) {
        long full = t.lifetime().toMillis();
        long life = Math.max(1, full > EXPIRY_SKEW.toMillis() + 5_000 ? full - EXPIRY_SKEW.toMillis() : full);
        long at = (long) (life * 0.80) - (long) (random.nextDouble() * life * 0.05);
        return t.issuedAt().plusMillis(Math.max(0, at));
    }

    private void scheduleRefresh() {
        cancelRefreshTask();
        if (tokens == null || !started) {
            return;
        }
        long due = issuedNanos + Duration.between(tokens.issuedAt(), refreshDueAt(tokens)).toNanos();
        scheduleRefreshIn(Duration.ofNanos(Math.max(0, due - scheduler.monotonicNanos())));
    }

    private void scheduleRefreshIn(Duration delay) {
        cancelRefreshTask();
        refreshTask = scheduler.schedule(delay, () -> {
            synchronized (lock) {
                if (started && tokens != null && refreshInFlight == null) {
                    refresh();
                }
            }
        });
    }

    private CompletableFuture<Optional<String>> refresh() {
        CompletableFuture<Optional<String>> f = new CompletableFuture<>();
        if (!httpReady()) {
            f.complete(Optional.empty());
            return f;
        }
        refreshInFlight = f;
        TokenSet used = tokens;
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", config.clientId());
        form.put("grant_type", "refresh_token");
        form.put("refresh_token", used.refreshToken());
        form.put("scope", config.scopeParameter());
        http.post(config.tokenEndpoint(), form, r -> {
            synchronized (lock) {
                boolean current = refreshInFlight == f;
                if (current) {
                    refreshInFlight = null;
                }
                if (tokens != used) {
                    f.complete(Optional.empty()); // superseded by a new enrollment
                    return;
                }
                if (!current || !started) {
                    keepRotatedAfterStop(r);
                    f.complete(Optional.empty());
                    return;
                }
                onRefresh(r, f);
            }
        });
        return f;
    }

    /** Stopped while a refresh was on the wire: a rotated refresh token must still reach the disk. */
    private void keepRotatedAfterStop(EntraHttp.Response r) {
        if (r.status() != 200 || r.json().isEmpty()) {
            return;
        }
        try {
            TokenSet t = TokenSet.fromResponse(r.json().get(), scheduler.now(), config, Optional.of(tokens));
            persist(t);
            use(t);
            Logger.info("Stored the tokens of a refresh that finished after stop");
        } catch (IllegalArgumentException e) {
            Logger.warn("Ignoring an unusable token response that arrived after stop: {}", e.getMessage());
        }
    }

    private void onRefresh(EntraHttp.Response r, CompletableFuture<Optional<String>> f) {
        Instant now = scheduler.now();
        if (r.status() == 200 && r.json().isPresent()) {
            TokenSet t;
            try {
                t = TokenSet.fromResponse(r.json().get(), now, config, Optional.of(tokens));
            } catch (IllegalArgumentException e) {
                retryRefresh(r, "unusable token response: " + e.getMessage(), f);
                return;
            }
            persist(t); // the rotated refresh token is on disk before the new access token is handed out
            use(t);
            lastRefreshNanos = scheduler.monotonicNanos();
            refreshProblem = null;
            refreshBackoff.reset();
            complianceBackoff.reset();
            Logger.info("Refreshed Entra tokens for {}; valid until {}", t.account(), t.expiresAt());
            if (status.state() != EnrollmentState.ENROLLED) {
                setStatus(EnrollmentStatus.of(EnrollmentState.ENROLLED), Optional.of(t.account()));
            }
            scheduleRefresh();
            f.complete(Optional.of(t.accessToken()));
            return;
        }
        Optional<OAuthError> oe = r.oauthError();
        if (!r.isRetryable() && oe.isPresent() && oe.get().error().equals("invalid_grant")) {
            OAuthError e = oe.get();
            if (e.hasCode(53000) || e.hasCode(53001) || e.hasCode(53002) || e.hasCode(53003)) {
                String reason = e.firstLine().replaceFirst("^AADSTS\\d+:\\s*", "");
                Duration delay = r.retryAfter().orElseGet(complianceBackoff::next);
                refreshProblem = e.summary();
                Logger.warn("Conditional access refuses new Entra tokens ({}): {}; keeping the refresh token, retrying in {} s",
                        e.summary(), reason, delay.toSeconds());
                setStatus(new EnrollmentStatus(EnrollmentState.BLOCKED_BY_COMPLIANCE, reason), Optional.ofNullable(tokens).map(TokenSet::account));
                scheduleRefreshIn(delay);
                f.complete(Optional.empty());
                return;
            }
            Logger.warn("Entra refused the refresh token ({}); enrolling again with a device code", e.summary());
            deleteTokens();
            enroll(Optional.of(REVOKED_NOTICE), "refresh token refused, enrolling again: " + e.firstLine());
            f.complete(Optional.empty());
            return;
        }
        Optional<EnrollmentFailure> fatal = DeviceCodeEnrollment.configFailure(config, r);
        if (fatal.isPresent()) {
            Logger.error("Entra refresh stopped: {}", fatal.get().message());
            cancelRefreshTask();
            setStatus(new EnrollmentStatus(EnrollmentState.FAILED, fatal.get().message()), Optional.empty());
            listeners.forEach(l -> safely(() -> l.failed(fatal.get())));
            f.complete(Optional.empty());
            return;
        }
        retryRefresh(r, r.summary(), f);
    }

    private void retryRefresh(EntraHttp.Response r, String why, CompletableFuture<Optional<String>> f) {
        Duration delay = r.retryAfter().orElseGet(refreshBackoff::next);
        refreshProblem = why;
        Logger.warn("Entra token refresh failed ({}); retrying in {} s", why, delay.toSeconds());
        scheduleRefreshIn(delay);
        f.complete(Optional.empty());
    }

    // ------------------------------------------------------------------ helpers

    /** Takes {@code t} as the current tokens, its lifetime counted on the monotonic clock from now on. */
    private void use(TokenSet t) {
        tokens = t;
        issuedNanos = scheduler.monotonicAt(t.issuedAt());
        expiresNanos = scheduler.monotonicAt(t.expiresAt());
    }

    /** The access token is still valid {@code margin} from now, by the monotonic clock. */
    private boolean accessTokenValid(Duration margin) {
        return expiresNanos - scheduler.monotonicNanos() > margin.toNanos();
    }

    private void persist(TokenSet t) {
        try {
            vault.save(t);
            persistProblem = null;
        } catch (IOException e) {
            persistProblem = e.getMessage();
            Logger.error("Cannot store Entra tokens in {}: {}; a restart will need a new sign-in", store.dir(), e.getMessage());
        }
    }

    private void deleteTokens() {
        tokens = null;
        try {
            vault.delete();
        } catch (IOException e) {
            Logger.warn("Cannot delete stored Entra tokens: {}", e.getMessage());
        }
    }

    private void cancelRefreshTask() {
        if (refreshTask != null) {
            refreshTask.cancel();
            refreshTask = null;
        }
    }

    private void setStatus(EnrollmentStatus s, Optional<Account> account) {
        if (s.equals(status)) {
            return;
        }
        status = s;
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        if (!s.reason().isEmpty()) {
            attrs.put("reason", s.reason());
        }
        account.ifPresent(a -> {
            attrs.put("upn", a.upn());
            attrs.put("tenant", a.tenantId());
        });
        events.emit(new DeviceEvent(EVENT, scheduler.now(), attrs));
        statusListeners.forEach(l -> safely(() -> l.accept(s)));
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            Logger.warn(e, "Enrollment listener failed: {}", e.toString());
        }
    }
}
