package io.roomwire.provisioning.entra;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.Durations;
import io.roomwire.core.time.Scheduler;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.EnrollmentState;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.identity.IdentityException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;

/**
 * {@code roomwire enroll}: runs the device-code sign-in on a terminal (code, URL, QR code in
 * Unicode half blocks) on {@code out}, waits, and returns an exit code (failures and retries are
 * written to {@code err}): {@value #OK} enrolled (the tenant and
 * account are printed), {@value #CONFIG_ERROR} a setting must be fixed (named), {@value #DECLINED}
 * sign-in declined, {@value #TIMED_OUT} nobody signed in within the wait, {@value #IDENTITY_ERROR}
 * the device identity is missing or corrupt.
 */
public final class TerminalEnrollment {

    public static final int OK = 0;
    public static final int CONFIG_ERROR = 2;
    public static final int DECLINED = 3;
    public static final int TIMED_OUT = 4;
    public static final int IDENTITY_ERROR = 5;
    public static final Duration DEFAULT_MAX_WAIT = Duration.ofMinutes(30);

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final TokenManager.Builder managerBuilder;
    private final Scheduler scheduler;
    private final PrintStream out;
    private final PrintStream err;

    /**
     * {@code managerBuilder} has config, identity, store and scheduler set; this adds the terminal listener.
     * The prompt and the result go to {@code out}, failures and retries to {@code err}.
     */
    public TerminalEnrollment(TokenManager.Builder managerBuilder, Scheduler scheduler, PrintStream out, PrintStream err) {
        this.managerBuilder = managerBuilder;
        this.scheduler = scheduler;
        this.out = out;
        this.err = err;
    }

    /**
     * The whole command for the CLI: loads (or creates) the device identity in {@code stateDir},
     * enrolls, and returns the exit code. {@code force} discards stored tokens first.
     */
    public static int run(EntraConfig config, Path stateDir, String deviceName, EventSink events, PrintStream out,
                          PrintStream err, boolean force, Duration maxWait) {
        try (SystemScheduler scheduler = new SystemScheduler(2)) {
            FileStore store = new FileStore(stateDir, scheduler.clock());
            DeviceIdentity identity;
            try {
                identity = DeviceIdentity.loadOrCreate(store, scheduler.clock(), deviceName);
            } catch (IdentityException e) {
                err.println("Error: " + e.getMessage());
                return IDENTITY_ERROR;
            }
            TokenManager.Builder b = TokenManager.builder().config(config).identity(identity).store(store)
                    .scheduler(scheduler).events(events);
            return new TerminalEnrollment(b, scheduler, out, err).start(force, maxWait).join();
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            return CONFIG_ERROR;
        }
    }

    /** Starts the flow; the future completes with the exit code (the manager is stopped by then). */
    public CompletableFuture<Integer> start(boolean force, Duration maxWait) {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        TokenManager manager = managerBuilder.listener(new EnrollmentListener() {
            @Override
            public void codeShown(DeviceCodePrompt p) {
                p.notice().ifPresent(n -> out.println(n));
                out.println();
                out.println("To sign this room in, open " + p.verificationUri() + " on a phone or computer");
                out.println("and enter the code:  " + p.userCode());
                out.println();
                out.print(p.qr().halfBlocks());
                out.println("The code expires at " + TIME.format(p.expiresAt()) + ". Waiting for sign-in...");
                out.flush();
            }

            @Override
            public void declined(String reason) {
                err.println(reason);
                result.complete(DECLINED);
            }

            @Override
            public void enrolled(Account account) {
                out.println("Enrolled as " + account.upn() + " (tenant " + account.tenantId() + ")");
                result.complete(OK);
            }

            @Override
            public void retrying(String reason, Duration delay) {
                err.println("Entra not reachable (" + reason + "); retrying in " + Durations.human(delay));
            }

            @Override
            public void failed(EnrollmentFailure failure) {
                err.println("Error: " + failure.message());
                result.complete(CONFIG_ERROR);
            }
        }).build();
        try {
            if (force) {
                manager.reenroll("Enrollment requested with --force");
            }
            manager.start();
        } catch (IllegalArgumentException e) {
            err.println("Error: " + e.getMessage());
            result.complete(CONFIG_ERROR);
            return result;
        }
        if (!force && manager.enrollment().state() == EnrollmentState.ENROLLED) {
            Account a = manager.account().orElseThrow();
            out.println("Already enrolled as " + a.upn() + " (tenant " + a.tenantId() + "); use --force to sign in again");
            result.complete(OK);
        }
        Scheduler.Cancellable timeout = scheduler.schedule(maxWait, () -> {
            if (!result.isDone()) {
                err.println("Nobody signed in within " + Durations.human(maxWait) + "; run `roomwire enroll` again");
                result.complete(TIMED_OUT);
            }
        });
        return result.whenComplete((code, e) -> {
            timeout.cancel();
            try {
                manager.stop();
            } catch (RuntimeException ex) {
                err.println("Warning: " + ex.getMessage());
            }
        });
    }
}
