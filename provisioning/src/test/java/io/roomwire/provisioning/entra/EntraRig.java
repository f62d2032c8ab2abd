package io.roomwire.provisioning.entra;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.entra.internal.EntraHttp;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.entra.SimEntraExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One simulated room device against the simulated Entra: its own state folder and device key,
 * a recorder of listener calls and events, all on a virtual clock. Time moves
 * only through {@link #advance}, which waits for HTTP answers in flight at each step.
 */
final class EntraRig {

    static final String UPN = "room401@contoso.example";

    final VirtualScheduler scheduler;
    final SimEntraExtension ext;
    final Path dir;
    final FileStore store;
    final DeviceIdentity identity;
    final EntraConfig config;
    final EntraHttp http;
    final Recorder recorder = new Recorder();
    final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    TokenManager manager;

    EntraRig(VirtualScheduler scheduler, SimEntraExtension ext, Path dir) throws Exception {
        this(scheduler, ext, dir, null);
    }

    EntraRig(VirtualScheduler scheduler, SimEntraExtension ext, Path dir, EntraConfig cfg) throws Exception {
        this.scheduler = scheduler;
        this.ext = ext;
        this.dir = dir;
        this.store = new FileStore(dir, scheduler.clock());
        this.identity = DeviceIdentity.loadOrCreate(store, scheduler.clock(), "room401");
        this.config = cfg != null ? cfg : defaultConfig(ext, dir);
        this.http = new EntraHttp(config, scheduler);
    }

    static EntraConfig defaultConfig(SimEntraExtension ext, Path dir) {
        EntraConfig c = EntraConfig.of(ext.entra().tenantId(), SimEntra.DEFAULT_CLIENT_ID)
                .withAuthority(ext.entra().baseUri());
        if (ext.pki() != null) {
            c = c.withCaFile(ext.pki().writeCaPem(dir.resolveSibling(dir.getFileName() + "-ca.pem")));
        }
        return c;
    }

    SimEntra entra() {
        return ext.entra();
    }

    TokenManager newManager() {
        manager = TokenManager.builder().config(config).identity(identity).store(store).scheduler(scheduler)
                .events(events::add).random(new Random(42)).http(http).listener(recorder).build();
        return manager;
    }

    TokenManager start() {
        TokenManager m = newManager();
        m.start();
        settle();
        return m;
    }

    /** Runs the flow up to the first code, approves it as {@link #UPN}, and waits for the tokens. */
    TokenManager enroll() {
        TokenManager m = start();
        await(() -> recorder.prompts.size() > 0, "a device code");
        approveLatest();
        advance(Duration.ofSeconds(5));
        await(() -> m.enrollment().state() == io.roomwire.provisioning.EnrollmentState.ENROLLED, "enrolled");
        return m;
    }

    void approveLatest() {
        DeviceCodePrompt p = recorder.prompts.get(recorder.prompts.size() - 1);
        if (!entra().approve(p.userCode(), UPN)) {
            throw new AssertionError("sim refused to approve " + p.userCode());
        }
    }

    /** Runs due tasks and waits until no HTTP answer is in flight and nothing is due now. */
    void settle() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            scheduler.runDue();
            // In-flight first: an answer is queued on the scheduler before its request stops counting.
            boolean idle = http.inFlight() == 0;
            boolean dueNow = scheduler.nextDue().map(t -> !t.isAfter(scheduler.now())).orElse(false);
            if (idle && !dueNow) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("HTTP answers still in flight after 10 s");
            }
            LockSupport.parkNanos(200_000);
        }
    }

    /** Moves virtual time forward task by task, letting every HTTP exchange finish at its instant. */
    void advance(Duration d) {
        Instant target = scheduler.now().plus(d);
        settle();
        while (true) {
            Optional<Instant> next = scheduler.nextDue();
            if (next.isEmpty() || next.get().isAfter(target)) {
                break;
            }
            scheduler.advanceTo(next.get());
            settle();
        }
        scheduler.advanceTo(target);
        settle();
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    List<DeviceEvent> events(String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }

    /**
     * Records every listener call; {@link #calls} keeps their order, so {@link #last} is the event
     * that the agent's sign-in screen shows now.
     */
    static final class Recorder implements EnrollmentListener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<DeviceCodePrompt> prompts = new CopyOnWriteArrayList<>();
        final List<String> declines = new CopyOnWriteArrayList<>();
        final List<Account> enrolled = new CopyOnWriteArrayList<>();
        final List<EnrollmentFailure> failures = new CopyOnWriteArrayList<>();
        final List<String> retries = new CopyOnWriteArrayList<>();

        @Override
        public void codeShown(DeviceCodePrompt prompt) {
            prompts.add(prompt);
            calls.add("code");
        }

        @Override
        public void declined(String reason) {
            declines.add(reason);
            calls.add("declined");
        }

        @Override
        public void enrolled(Account account) {
            enrolled.add(account);
            calls.add("enrolled");
        }

        @Override
        public void retrying(String reason, Duration delay) {
            retries.add(reason + " / " + delay);
            calls.add("retrying");
        }

        @Override
        public void failed(EnrollmentFailure failure) {
            failures.add(failure);
            calls.add("failed");
        }

        /** The latest "code", "declined", "enrolled" or "failed" call; a retry keeps the code on screen. */
        String last() {
            List<String> shown = calls.stream().filter(c -> !c.equals("retrying")).toList();
            return shown.isEmpty() ? "none" : shown.get(shown.size() - 1);
        }
    }
}
