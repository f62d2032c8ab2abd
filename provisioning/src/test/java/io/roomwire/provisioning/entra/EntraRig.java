package io.roomwire.provisioning.entra;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.sim.SimTouchPanel;
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
 * a sim touch panel, a recorder of listener calls and events, all on a virtual clock. Time moves
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
    final SimTouchPanel panel = new SimTouchPanel();
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
        EnrollmentPanel.attach(manager, panel::show, scheduler);
        // What the agent's panel owner does with the button (io.roomwire.agent.panel.RoomPanel).
        TokenManager m = manager;
        panel.onEvent(e -> {
            if (e instanceof io.roomwire.hal.PanelEvent.ButtonPressed b && b.buttonId().equals(EnrollmentPanel.NEW_CODE_BUTTON)) {
                m.requestNewCode();
            }
        });
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

    /** Records every listener call. */
    static final class Recorder implements EnrollmentListener {
        final List<DeviceCodePrompt> prompts = new CopyOnWriteArrayList<>();
        final List<String> declines = new CopyOnWriteArrayList<>();
        final List<Account> enrolled = new CopyOnWriteArrayList<>();
        final List<EnrollmentFailure> failures = new CopyOnWriteArrayList<>();
        final List<String> retries = new CopyOnWriteArrayList<>();

        @Override
        public void codeShown(DeviceCodePrompt prompt) {
            prompts.add(prompt);
        }

        @Override
        public void declined(String reason) {
            declines.add(reason);
        }

        @Override
        public void enrolled(Account account) {
            enrolled.add(account);
        }

        @Override
        public void retrying(String reason, Duration delay) {
            retries.add(reason + " / " + delay);
        }

        @Override
        public void failed(EnrollmentFailure failure) {
            failures.add(failure);
        }
    }
}
