package io.roomwire.provisioning.entra;

import com.google.gson.JsonObject;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import io.roomwire.provisioning.entra.internal.EntraHttp;
import io.roomwire.provisioning.entra.internal.OAuthError;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * One device authorization grant (RFC 8628 as Entra implements it), driven by the scheduler:
 * every request is a scheduled task and every answer is handled on the scheduler, never in a
 * blocking loop. It polls at the code's interval (5 s when absent), adds 5 s on each
 * {@code slow_down}, asks for a new code when the code expires, backs off on 429/5xx/network
 * errors (honouring {@code Retry-After}) without losing the code, and stops with the config key
 * to fix on client, scope and tenant errors.
 *
 * <p>Not thread-safe by itself: all calls come from scheduler tasks, serialised by the owner.
 */
public final class DeviceCodeEnrollment {

    public static final String GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    public static final Duration SLOW_DOWN_STEP = Duration.ofSeconds(5);
    static final String EXPIRED_NOTICE = "The previous code expired; use this new code.";

    private final EntraConfig config;
    private final EntraHttp http;
    private final Scheduler scheduler;
    private final EnrollmentListener listener;
    private final Consumer<JsonObject> onTokens;
    private final Object lock;
    private final Backoff backoff;

    private int generation;
    private boolean active;
    private String deviceCode;
    private Duration interval = DEFAULT_INTERVAL;
    private Instant expiresAt;
    private Optional<DeviceCodePrompt> prompt = Optional.empty();
    private Scheduler.Cancellable pending;
    private Optional<String> problem = Optional.empty();

    /**
     * @param lock     the owner's lock: every scheduled step runs under it
     * @param onTokens called (under the lock) with the token response once the code is approved
     */
    public DeviceCodeEnrollment(EntraConfig config, EntraHttp http, Scheduler scheduler, RandomGenerator random,
                                Object lock, EnrollmentListener listener, Consumer<JsonObject> onTokens) {
        this.config = config;
        this.http = http;
        this.scheduler = scheduler;
        this.listener = listener;
        this.onTokens = onTokens;
        this.lock = lock;
        this.backoff = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), random);
    }

    /** Requests a code (replacing any current one) and starts polling; {@code notice} is shown with it. */
    public void start(Optional<String> notice) {
        synchronized (lock) {
            cancelPending();
            active = true;
            requestCode(++generation, notice);
        }
    }

    /** Stops polling; late answers are ignored. */
    public void cancel() {
        synchronized (lock) {
            active = false;
            generation++;
            cancelPending();
            prompt = Optional.empty();
        }
    }

    public boolean isActive() {
        synchronized (lock) {
            return active;
        }
    }

    /** The code currently shown, if any. */
    public Optional<DeviceCodePrompt> prompt() {
        synchronized (lock) {
            return prompt;
        }
    }

    /** The transient problem (network, 429, 5xx) being retried right now, if any. */
    public Optional<String> problem() {
        synchronized (lock) {
            return problem;
        }
    }

    /** The current polling interval (grows by 5 s on each slow_down). */
    public Duration interval() {
        synchronized (lock) {
            return interval;
        }
    }

    private void requestCode(int gen, Optional<String> notice) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("client_id", config.clientId());
        form.put("scope", config.scopeParameter());
        Logger.info("Requesting an Entra device code from {}", config.deviceCodeEndpoint());
        http.post(config.deviceCodeEndpoint(), form, r -> step(gen, () -> onCode(gen, notice, r)));
    }

    private void step(int gen, Runnable body) {
        synchronized (lock) {
            if (gen == generation && active) {
                body.run();
            }
        }
    }

    private void onCode(int gen, Optional<String> notice, EntraHttp.Response r) {
        if (r.status() == 200 && r.json().isPresent()) {
            JsonObject j = r.json().get();
            try {
                String dc = j.get("device_code").getAsString();
                String uc = j.get("user_code").getAsString();
                String uri = j.has("verification_uri") ? j.get("verification_uri").getAsString()
                        : j.get("verification_url").getAsString();
                long expiresIn = j.get("expires_in").getAsLong();
                Duration iv = j.has("interval") && !j.get("interval").isJsonNull()
                        ? Duration.ofSeconds(Math.max(1, j.get("interval").getAsLong())) : DEFAULT_INTERVAL;
                String message = j.has("message") ? j.get("message").getAsString() : "";
                deviceCode = dc;
                interval = iv;
                Instant now = scheduler.now();
                expiresAt = now.plusSeconds(expiresIn);
                backoff.reset();
                problem = Optional.empty();
                DeviceCodePrompt p = new DeviceCodePrompt(uc, uri, expiresAt, message, notice);
                prompt = Optional.of(p);
                Logger.info("Entra device code issued: enter it at {} within {} s (polling every {} s)", uri, expiresIn, iv.toSeconds());
                listener.codeShown(p);
                schedulePoll(gen, interval);
                return;
            } catch (RuntimeException e) {
                retryCode(gen, notice, r, "Entra's device code answer is incomplete (" + e.getClass().getSimpleName() + ")");
                return;
            }
        }
        Optional<EnrollmentFailure> fatal = configFailure(config, r);
        if (fatal.isPresent()) {
            fail(fatal.get());
            return;
        }
        retryCode(gen, notice, r, "device code request failed: " + r.summary());
    }

    private void retryCode(int gen, Optional<String> notice, EntraHttp.Response r, String why) {
        Duration delay = r.retryAfter().orElseGet(backoff::next);
        problem = Optional.of(why);
        Logger.warn("Entra: {}; retrying in {} s", why, delay.toSeconds());
        listener.retrying(why, delay);
        pending = scheduler.schedule(delay, () -> step(gen, () -> requestCode(gen, notice)));
    }

    private void schedulePoll(int gen, Duration delay) {
        pending = scheduler.schedule(delay, () -> step(gen, () -> poll(gen)));
    }

    private void poll(int gen) {
        if (!scheduler.now().isBefore(expiresAt)) {
            Logger.info("Entra device code expired without sign-in; requesting a new one");
            prompt = Optional.empty();
            requestCode(gen, Optional.of(EXPIRED_NOTICE));
            return;
        }
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", GRANT_TYPE);
        form.put("client_id", config.clientId());
        form.put("device_code", deviceCode);
        http.post(config.tokenEndpoint(), form, r -> step(gen, () -> onPoll(gen, r)));
    }

    private void onPoll(int gen, EntraHttp.Response r) {
        if (r.status() == 200 && r.json().isPresent()) {
            active = false;
            prompt = Optional.empty();
            backoff.reset();
            onTokens.accept(r.json().get());
            return;
        }
        Optional<OAuthError> err = r.oauthError();
        if (!r.isRetryable() && err.isPresent()) {
            problem = Optional.empty();
            OAuthError e = err.get();
            switch (e.error()) {
                case "authorization_pending" -> {
                    backoff.reset();
                    schedulePoll(gen, interval);
                    return;
                }
                case "slow_down" -> {
                    interval = interval.plus(SLOW_DOWN_STEP);
                    Logger.info("Entra asked to slow down; polling every {} s", interval.toSeconds());
                    schedulePoll(gen, interval);
                    return;
                }
                case "authorization_declined", "access_denied" -> {
                    active = false;
                    prompt = Optional.empty();
                    Logger.info("Entra sign-in was declined ({})", e.summary());
                    listener.declined("Sign-in was declined. Ask for a new code to try again.");
                    return;
                }
                case "expired_token" -> {
                    Logger.info("Entra reports the device code expired ({}); requesting a new one", e.summary());
                    prompt = Optional.empty();
                    requestCode(gen, Optional.of(EXPIRED_NOTICE));
                    return;
                }
                default -> {
                    Optional<EnrollmentFailure> fatal = configFailure(config, r);
                    if (fatal.isPresent()) {
                        fail(fatal.get());
                        return;
                    }
                    // Any other refusal of this code (e.g. already redeemed): a new code, not a dead screen.
                    Logger.warn("Entra refused the device code ({}); requesting a new one", e.summary());
                    prompt = Optional.empty();
                    requestCode(gen, Optional.of("The previous code can no longer be used; use this new code."));
                    return;
                }
            }
        }
        Duration delay = r.retryAfter().map(d -> d.compareTo(interval) < 0 ? interval : d)
                .orElseGet(() -> {
                    Duration b = backoff.next();
                    return b.compareTo(interval) < 0 ? interval : b;
                });
        String why = "polling failed: " + r.summary();
        problem = Optional.of(why);
        Logger.warn("Entra {}; keeping the code, next poll in {} s", why, delay.toSeconds());
        listener.retrying(why, delay);
        schedulePoll(gen, delay);
    }

    private void fail(EnrollmentFailure f) {
        active = false;
        prompt = Optional.empty();
        Logger.error("Entra enrollment stopped: {}", f.message());
        listener.failed(f);
    }

    private void cancelPending() {
        if (pending != null) {
            pending.cancel();
            pending = null;
        }
    }

    /**
     * A refusal that only an operator can fix (client id, scopes, tenant, authority), with the key
     * to change; empty for anything that may pass by itself.
     */
    public static Optional<EnrollmentFailure> configFailure(EntraConfig config, EntraHttp.Response r) {
        if (r.isRetryable()) {
            return Optional.empty();
        }
        Optional<OAuthError> oe = r.oauthError();
        if (oe.isEmpty()) {
            if (r.status() == 404 || r.status() == 405 || (r.status() >= 300 && r.status() < 400)) {
                return Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_AUTHORITY), "The login service at "
                        + config.authority() + " answered HTTP " + r.status() + " for " + config.tenant()
                        + ": check " + EntraConfig.KEY_AUTHORITY + " (normally " + EntraConfig.DEFAULT_AUTHORITY + ")"));
            }
            return Optional.empty();
        }
        OAuthError e = oe.get();
        String said = " (Entra said: " + e.firstLine() + ")";
        return switch (e.error()) {
            case "invalid_client", "unauthorized_client" -> Optional.of(new EnrollmentFailure(
                    Optional.of(EntraConfig.KEY_CLIENT_ID), "Entra does not accept client id " + config.clientId()
                    + " for the device code flow" + said + ": set " + EntraConfig.KEY_CLIENT_ID + " to the Application "
                    + "(client) ID of an app registration in tenant " + config.tenant()
                    + " with 'Allow public client flows' enabled"));
            case "invalid_scope" -> Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_SCOPES),
                    "Entra rejected the requested scopes '" + config.scopeParameter() + "'" + said + ": fix "
                    + EntraConfig.KEY_SCOPES + " (for example https://graph.microsoft.com/Calendars.Read)"));
            case "bad_verification_code" -> Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_AUTHORITY),
                    "The token endpoint did not recognise the device code its own service issued" + said + ": check "
                    + EntraConfig.KEY_AUTHORITY + " and " + EntraConfig.KEY_TENANT + " point at one Entra instance"));
            case "unsupported_grant_type" -> Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_AUTHORITY),
                    "The service at " + config.authority() + " does not support the device code grant" + said
                    + ": check " + EntraConfig.KEY_AUTHORITY));
            default -> {
                if (e.hasCode(90002) || e.hasCode(900023) || e.hasCode(90072) || e.hasCode(50059)) {
                    yield Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_TENANT), "Entra does not know tenant '"
                            + config.tenant() + "'" + said + ": set " + EntraConfig.KEY_TENANT
                            + " to the tenant GUID or a verified domain of the room's directory"));
                }
                if (e.hasCode(700016) || e.hasCode(7000218) || e.hasCode(700025)) {
                    yield Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_CLIENT_ID), "Entra does not accept client id "
                            + config.clientId() + said + ": check " + EntraConfig.KEY_CLIENT_ID));
                }
                if (e.hasCode(70011) || e.hasCode(65001)) {
                    yield Optional.of(new EnrollmentFailure(Optional.of(EntraConfig.KEY_SCOPES), "Entra rejected the scopes"
                            + said + ": fix " + EntraConfig.KEY_SCOPES + " or grant admin consent for them"));
                }
                yield Optional.empty();
            }
        };
    }
}
