package io.roomwire.provisioning.mdm;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.AfterStart;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Backoff;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.mdm.internal.DeviceTree;
import io.roomwire.provisioning.mdm.internal.DmTree;
import io.roomwire.provisioning.mdm.internal.EnrollmentStore;
import io.roomwire.provisioning.mdm.internal.MdmHttp;
import io.roomwire.provisioning.mdm.internal.OmaDmSession;
import io.roomwire.provisioning.mdm.internal.PolicyState;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.tinylog.Logger;

/**
 * The device's MDM client as an agent service: enrolls (MS-MDE2) when the device is not enrolled
 * and an Entra token is available, checks in (MS-MDM OMA-DM over mutual TLS) on the provisioning
 * document's poll schedule (Intune's pattern by default), on demand ({@link #checkInNow()}) and
 * whenever local compliance changes, renews the client certificate before it lapses, and handles
 * server-initiated and local unenrollment. Compliance goes to the banner sink (the agent's panel owner shows it) and is
 * reported as {@code compliance.changed} events. Failed check-ins are retried with jittered
 * back-off (honouring Retry-After), forever.
 */
public final class MdmService implements Service {

    private final MdmConfig config;
    private final Scheduler scheduler;
    private final DeviceIdentity identity;
    private final DeviceInfo device;
    private final EnrollmentToken token;
    private final Consumer<Optional<String>> banner;
    private final EventSink events;
    private final Supplier<Optional<Duration>> calendarStaleness;
    private final EnrollmentStore store;
    private final EnrollmentClient client;
    private final ComplianceEvaluator evaluator;
    private final PolicyState policy = new PolicyState();
    private final ReentrantLock lock = new ReentrantLock();
    private final Backoff checkInBackoff;
    private final Backoff enrollBackoff;
    private final RandomGenerator random;
    private final AfterStart afterStart;

    private volatile Enrollment enrollment;
    private volatile ComplianceReport compliance;
    private volatile CheckInResult lastCheckIn;
    private volatile String problem = "";
    private volatile boolean running;
    private volatile boolean unenrolled;
    private Scheduler.Cancellable next;
    private Scheduler.Cancellable monitor;
    private Instant renewNotBefore = Instant.MIN;
    private MdmHttp mtls;
    private java.security.cert.X509Certificate mtlsFor;

    private MdmService(Builder b) {
        this.config = Objects.requireNonNull(b.config, "config");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.identity = Objects.requireNonNull(b.identity, "identity");
        this.device = Objects.requireNonNull(b.device, "device");
        this.token = Objects.requireNonNull(b.token, "token");
        this.banner = Objects.requireNonNull(b.banner, "banner");
        this.events = b.events == null ? EventSink.none() : b.events;
        this.calendarStaleness = b.calendarStaleness == null ? Optional::empty : b.calendarStaleness;
        this.store = new EnrollmentStore(Objects.requireNonNull(b.store, "store"));
        this.random = b.random == null ? new Random() : b.random;
        this.afterStart = b.afterStart == null ? AfterStart.open() : b.afterStart;
        this.client = new EnrollmentClient(config, identity, device, scheduler.clock());
        this.evaluator = new ComplianceEvaluator(device, calendarStaleness, scheduler.clock());
        this.checkInBackoff = new Backoff(config.retryBase(), config.retryCap(), random);
        this.enrollBackoff = new Backoff(config.retryBase(), config.retryCap(), random);
        this.compliance = ComplianceReport.of(java.util.List.of(), scheduler.now());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "mdm";
    }

    @Override
    public void start() {
        if (!config.enabled()) {
            Logger.info("MDM is off (mdm.enabled=false)");
            return;
        }
        if (running) {
            return;
        }
        running = true;
        try {
            enrollment = store.load().orElse(null);
            if (enrollment != null) {
                store.loadPolicy(policy);
            }
        } catch (IOException e) {
            Logger.error("MDM: {}", e.getMessage());
            enrollment = null;
        }
        publish(evaluator.evaluate(policy.policy()), false);
        monitor = scheduler.scheduleAtFixedRate(config.complianceInterval(), config.complianceInterval(), this::monitorTick);
        if (enrollment != null) {
            Logger.info("MDM: enrolled as {} (device {}), checking in with {}", enrollment.upn(), enrollment.deviceId(),
                    enrollment.managementUrl());
        }
        // Check in at start (DMClient PollOnLogin), or enroll when not enrolled. Enrolled and compliant by the
        // stored policy is UP without a check-in: that one waits for the rest of the start.
        if (health().isUp()) {
            afterStart.run(this::firstCheckIn);
        } else {
            reschedule(Duration.ZERO);
        }
    }

    /** The check-in at start, unless one is already due (a check-in or an earlier start's came first). */
    private synchronized void firstCheckIn() {
        if (next == null) {
            reschedule(Duration.ZERO);
        }
    }

    @Override
    public void stop() {
        running = false;
        synchronized (this) {
            if (next != null) {
                next.cancel();
                next = null;
            }
            if (monitor != null) {
                monitor.cancel();
                monitor = null;
            }
        }
    }

    @Override
    public Health health() {
        if (!config.enabled()) {
            return Health.up();
        }
        if (unenrolled) {
            return Health.degraded("not enrolled in MDM (unenrolled); run `roomwire enroll` to enroll again");
        }
        if (enrollment == null) {
            return Health.degraded(problem.isEmpty() ? "not enrolled in MDM yet" : "not enrolled in MDM: " + problem);
        }
        if (!problem.isEmpty()) {
            return Health.degraded(problem);
        }
        ComplianceReport c = compliance;
        return c.compliant() ? Health.up() : Health.degraded(c.bannerText().orElse("not compliant"));
    }

    /** The current compliance report (for the MQTT status and the CLI). */
    public ComplianceReport compliance() {
        return compliance;
    }

    public Optional<Enrollment> enrollment() {
        return Optional.ofNullable(enrollment);
    }

    public Optional<CheckInResult> lastCheckIn() {
        return Optional.ofNullable(lastCheckIn);
    }

    /** The compliance policy the MDM last gave the device. */
    public CompliancePolicy policy() {
        return policy.policy();
    }

    /** Enrolls now with the current Entra token (also after an unenroll); the device then checks in at once. */
    public Enrollment enrollNow() throws MdmException {
        lock.lock();
        try {
            String t = token.accessToken().orElseThrow(() -> new MdmException(MdmException.Kind.CONFIGURATION,
                    "MDM enrollment needs an Entra access token and the device is not signed in yet: complete the "
                            + "device-code sign-in (roomwire enroll)"));
            Enrollment e = client.enroll(t);
            try {
                store.save(e);
                policy.restore(new PolicyState().snapshot());
                store.savePolicy(policy);
                policy.takeDirty();
            } catch (IOException io) {
                throw new MdmException(MdmException.Kind.CONFIGURATION, "Enrolled, but the enrollment cannot be stored in "
                        + "the state folder (" + io.getMessage() + "): check that it is writable", io);
            }
            enrollment = e;
            unenrolled = false;
            problem = "";
            enrollBackoff.reset();
            events.emit(DeviceEvent.of("enrollment.changed", scheduler.now(), "service", "mdm", "state", "enrolled",
                    "deviceId", e.deviceId(), "server", e.managementUrl().toString()));
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** Runs an OMA-DM session now (CLI {@code roomwire mdm checkin}, MQTT command); blocks until it ends. */
    public CheckInResult checkInNow() {
        return session(false);
    }

    /** Tells the server (best effort) and removes the enrollment; the device stays unenrolled until {@link #enrollNow()}. */
    public CheckInResult unenroll() {
        return session(true);
    }

    /** Re-evaluates compliance now (e.g. after a firmware update); a change triggers a check-in. */
    public ComplianceReport reevaluateCompliance() {
        ComplianceReport r = evaluator.evaluate(policy.policy());
        if (publish(r, true) && enrollment != null && running) {
            scheduler.execute(this::scheduledRun);
        }
        return compliance;
    }

    private void monitorTick() {
        reevaluateCompliance();
    }

    private void scheduledRun() {
        if (!running) {
            return;
        }
        if (enrollment == null) {
            if (!unenrolled) {
                enrollAttempt();
            }
            return;
        }
        checkInNow();
    }

    private void enrollAttempt() {
        try {
            enrollNow();
            checkInNow();
        } catch (MdmException e) {
            problem = e.getMessage();
            Duration d = delay(enrollBackoff, e);
            if (token.accessToken().isEmpty()) {
                Logger.info("MDM: waiting for the Entra sign-in before enrolling; next try in {} s", d.toSeconds());
            } else {
                Logger.warn("MDM enrollment failed: {}; next try in {} s", e.getMessage(), d.toSeconds());
            }
            reschedule(d);
        } catch (RuntimeException e) {
            problem = "MDM enrollment failed: " + e;
            Logger.error(e, "MDM enrollment failed unexpectedly");
            reschedule(enrollBackoff.next());
        }
    }

    private CheckInResult session(boolean localUnenroll) {
        lock.lock();
        Enrollment e = enrollment;
        try {
            if (e == null) {
                return record(new CheckInResult(CheckInResult.Outcome.NOT_ENROLLED, "not enrolled in MDM", 0, 0, 0, 0,
                        Optional.of(compliance), scheduler.now()));
            }
            try {
                return runSession(e, localUnenroll);
            } catch (RuntimeException re) {
                throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, "the session failed unexpectedly: " + re, re);
            }
        } catch (MdmException ex) {
            return failed(ex, e.deviceId(), localUnenroll);
        } finally {
            lock.unlock();
        }
    }

    private CheckInResult runSession(Enrollment current, boolean localUnenroll) throws MdmException {
        Enrollment e = current;
        if (!localUnenroll) {
            e = renewIfDue(e);
        }
        boolean[] serverUnenroll = {false};
        DmTree tree = DeviceTree.build(device, e.deviceId(), e.providerId(), config.deviceName(), policy,
                calendarStaleness, scheduler.clock(), new DeviceTree.Hooks() {
                    @Override
                    public ComplianceReport evaluate() {
                        return evaluator.evaluate(policy.policy());
                    }

                    @Override
                    public void unenrollRequested() {
                        serverUnenroll[0] = true;
                    }
                });
        MdmHttp http = mtls(e);
        OmaDmSession s = new OmaDmSession(http, e.managementUrl(), e.deviceId(), DeviceTree.devInfo(device,
                e.deviceId()), tree, policy, null);
        String sessionId = Integer.toHexString(1 + random.nextInt(0xFFFF)).toUpperCase(java.util.Locale.ROOT);
        OmaDmSession.Outcome o = s.run(sessionId, localUnenroll);
        if (policy.takeDirty()) {
            savePolicy();
            Logger.info("MDM policy for {} is now {}", e.deviceId(), policy.policy());
        }
        publish(evaluator.evaluate(policy.policy()), true);
        if (localUnenroll || s.serverUnenrolled() || serverUnenroll[0]) {
            clearEnrollment(localUnenroll ? "local" : "server");
            return record(result(CheckInResult.Outcome.UNENROLLED, localUnenroll ? "unenrolled on request"
                    : "unenrolled by the MDM server", o));
        }
        problem = "";
        checkInBackoff.reset();
        Logger.info("MDM check-in of {}: {} round trips, {} commands, {} B sent, {} B received; {}", e.deviceId(),
                o.roundTrips(), o.commands(), o.bytesSent(), o.bytesReceived(),
                compliance.compliant() ? "compliant" : "not compliant: " + compliance.reasons());
        rescheduleAt(regularNext(e));
        return record(result(CheckInResult.Outcome.OK, "check-in complete", o));
    }

    private CheckInResult failed(MdmException ex, String deviceId, boolean localUnenroll) {
        if (localUnenroll) {
            Logger.warn("MDM: could not tell the server about the unenrollment ({}); unenrolling locally", ex.getMessage());
            clearEnrollment("local");
            return record(new CheckInResult(CheckInResult.Outcome.UNENROLLED, "unenrolled locally; the server "
                    + "was not told: " + ex.getMessage(), 0, 0, 0, 0, Optional.of(compliance), scheduler.now()));
        }
        problem = "MDM check-in failed: " + ex.getMessage();
        Duration d = delay(checkInBackoff, ex);
        Instant retry = scheduler.now().plus(d);
        Instant regular = enrollment == null ? retry : regularNext(enrollment);
        Instant at = regular.isBefore(retry) && ex.retryAfter().isEmpty() ? regular : retry;
        Logger.warn("MDM check-in of {} failed: {}; retrying at {}", deviceId, ex.getMessage(), at);
        if (enrollment == null) {
            reschedule(Duration.ZERO);
        } else {
            rescheduleAt(at);
        }
        return record(new CheckInResult(CheckInResult.Outcome.FAILED, ex.getMessage(), 0, 0, 0, 0,
                Optional.of(compliance), scheduler.now()));
    }

    /** One mutual-TLS client per client certificate, so that check-ins reuse connections. */
    private MdmHttp mtls(Enrollment e) {
        if (mtls == null || !e.clientCertificate().equals(mtlsFor)) {
            mtls = new MdmHttp(client.clientTls(e), config.requestTimeout(), scheduler.clock());
            mtlsFor = e.clientCertificate();
        }
        return mtls;
    }

    private Enrollment renewIfDue(Enrollment e) throws MdmException {
        Instant now = scheduler.now();
        if (now.isBefore(e.renewalDue()) || now.isBefore(renewNotBefore) && now.isBefore(e.certificateExpiry())) {
            return e;
        }
        try {
            Enrollment r = client.renew(e);
            // A server issuing certificates shorter than its renewal period must not cause a renewal per check-in.
            renewNotBefore = now.plus(e.renewRetryInterval());
            if (!now.isBefore(r.renewalDue())) {
                Logger.warn("MDM issued a certificate valid until {}, already inside its {}-day renewal period; next "
                        + "renewal not before {}", r.certificateExpiry(), r.renewPeriod().toDays(), renewNotBefore);
            }
            try {
                store.save(r);
            } catch (IOException io) {
                Logger.error("MDM: renewed certificate cannot be stored ({}); it is used until restart", io.getMessage());
            }
            enrollment = r;
            events.emit(DeviceEvent.of("enrollment.changed", now, "service", "mdm", "state", "renewed",
                    "deviceId", r.deviceId(), "certificateExpiry", r.certificateExpiry().toString()));
            return r;
        } catch (MdmException ex) {
            if (!now.isBefore(e.certificateExpiry())) {
                clearEnrollment("certificate expired");
                unenrolled = false;
                throw new MdmException(MdmException.Kind.NOT_ENROLLED, "the MDM client certificate expired at "
                        + e.certificateExpiry() + " and renewal failed (" + ex.getMessage() + "); enrolling again", ex);
            }
            Logger.warn("MDM certificate renewal failed ({}); the current certificate is valid until {}, retrying at the "
                    + "next check-in", ex.getMessage(), e.certificateExpiry());
            return e;
        }
    }

    /** The next poll of the schedule, or earlier when the certificate's renewal or expiry falls before it. */
    private Instant regularNext(Enrollment e) {
        Instant now = scheduler.now();
        Instant t = e.schedule().nextAfter(e.enrolledAt(), now);
        for (Instant k : new Instant[] {e.renewalDue(), e.certificateExpiry()}) {
            if (k.isAfter(now) && k.isBefore(t)) {
                t = k;
            }
        }
        return t;
    }

    private Duration delay(Backoff b, MdmException e) {
        Duration d = b.next();
        return e.retryAfter().filter(r -> r.compareTo(d) > 0).orElse(d);
    }

    private void clearEnrollment(String why) {
        Enrollment e = enrollment;
        enrollment = null;
        unenrolled = !"certificate expired".equals(why);
        try {
            store.delete();
        } catch (IOException io) {
            Logger.error("MDM: cannot delete the stored enrollment ({}); delete {} by hand", io.getMessage(),
                    EnrollmentStore.ENROLLMENT);
        }
        policy.restore(new PolicyState().snapshot());
        policy.takeDirty();
        publish(evaluator.evaluate(policy.policy()), true);
        synchronized (this) {
            if (next != null) {
                next.cancel();
                next = null;
            }
        }
        Logger.warn("MDM: device {} unenrolled ({})", e == null ? "?" : e.deviceId(), why);
        events.emit(DeviceEvent.of("enrollment.changed", scheduler.now(), "service", "mdm", "state", "unenrolled",
                "reason", why, "deviceId", e == null ? null : e.deviceId()));
    }

    private void savePolicy() {
        try {
            store.savePolicy(policy);
        } catch (IOException io) {
            Logger.error("MDM: cannot store the policy ({}); it is kept in memory", io.getMessage());
        }
    }

    /**
     * Sets the new report; on a change of verdict or reasons updates the banner and, when
     * {@code emit}, logs and emits {@code compliance.changed}. The banner is left alone otherwise.
     */
    private synchronized boolean publish(ComplianceReport r, boolean emit) {
        boolean changed = !r.sameOutcome(compliance);
        compliance = r;
        if (!changed) {
            return false;
        }
        banner.accept(r.bannerText());
        if (emit) {
            Logger.info("MDM compliance changed: {}", r.compliant() ? "compliant" : "not compliant: " + r.reasons());
            events.emit(DeviceEvent.of("compliance.changed", r.evaluatedAt(), "compliant", r.compliant(),
                    "reasons", r.reasons()));
        }
        return true;
    }

    private CheckInResult result(CheckInResult.Outcome outcome, String msg, OmaDmSession.Outcome o) {
        return new CheckInResult(outcome, msg, o.roundTrips(), o.bytesSent(), o.bytesReceived(), o.commands(),
                Optional.of(compliance), scheduler.now());
    }

    private CheckInResult record(CheckInResult r) {
        lastCheckIn = r;
        return r;
    }

    private void reschedule(Duration d) {
        rescheduleAt(scheduler.now().plus(d));
    }

    private synchronized void rescheduleAt(Instant at) {
        if (!running) {
            return;
        }
        if (next != null) {
            next.cancel();
        }
        Duration d = Duration.between(scheduler.now(), at);
        next = scheduler.schedule(d.isNegative() ? Duration.ZERO : d, this::scheduledRun);
    }

    /** Builds an {@link MdmService}; every setter but events, calendar staleness and random is required. */
    public static final class Builder {
        private MdmConfig config;
        private Scheduler scheduler;
        private FileStore store;
        private DeviceIdentity identity;
        private DeviceInfo device;
        private EnrollmentToken token;
        private Consumer<Optional<String>> banner;
        private EventSink events;
        private Supplier<Optional<Duration>> calendarStaleness;
        private RandomGenerator random;
        private AfterStart afterStart;

        public Builder config(MdmConfig c) {
            this.config = c;
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

        public Builder identity(DeviceIdentity i) {
            this.identity = i;
            return this;
        }

        public Builder device(DeviceInfo d) {
            this.device = d;
            return this;
        }

        /** The Entra access token for enrollment (wired to the Entra token manager). */
        public Builder token(EnrollmentToken t) {
            this.token = t;
            return this;
        }

        /** Receives the compliance banner text (empty: no banner) whenever the verdict changes. */
        public Builder banner(Consumer<Optional<String>> b) {
            this.banner = b;
            return this;
        }

        public Builder events(EventSink e) {
            this.events = e;
            return this;
        }

        /** Time since the last successful calendar sync; empty when it never synced. */
        public Builder calendarStaleness(Supplier<Optional<Duration>> s) {
            this.calendarStaleness = s;
            return this;
        }

        /** Jitter source for back-off (seeded in tests). */
        public Builder random(RandomGenerator r) {
            this.random = r;
            return this;
        }

        /** Where an enrolled, compliant start leaves its first check-in (default: none, it checks in at once). */
        public Builder afterStart(AfterStart a) {
            this.afterStart = a;
            return this;
        }

        public MdmService build() {
            return new MdmService(this);
        }
    }
}
