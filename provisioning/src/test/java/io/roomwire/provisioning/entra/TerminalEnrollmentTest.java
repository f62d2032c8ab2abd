package io.roomwire.provisioning.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.sim.cloud.entra.SimEntraExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code roomwire enroll} on a terminal, against the simulated Entra on virtual time. */
class TerminalEnrollmentTest {

    final VirtualScheduler scheduler = new VirtualScheduler();
    @RegisterExtension
    final SimEntraExtension ext = SimEntraExtension.https(scheduler::clock);
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private String errors() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private CompletableFuture<Integer> start(EntraRig rig, boolean force) {
        return start(rig, force, Duration.ofMinutes(30));
    }

    private CompletableFuture<Integer> start(EntraRig rig, boolean force, Duration maxWait) {
        TokenManager.Builder b = TokenManager.builder().config(rig.config).identity(rig.identity).store(rig.store)
                .scheduler(scheduler).random(new Random(1)).http(rig.http);
        CompletableFuture<Integer> f = new TerminalEnrollment(b, scheduler, out, err).start(force, maxWait);
        rig.settle();
        return f;
    }

    @Test
    void printsCodeUrlAndQrThenExitsZeroWithTenantAndAccount() throws Exception {
        EntraRig rig = new EntraRig(scheduler, ext, tmp.resolve("s"));
        CompletableFuture<Integer> exit = start(rig, false);
        String shown = output();
        assertTrue(shown.contains("https://microsoft.com/devicelogin"), shown);
        assertTrue(shown.contains("\u2588") && shown.contains("\u2580"), "QR in half blocks");
        String code = ext.entra().pendingCodes().get(0).userCode();
        assertTrue(shown.contains("enter the code:  " + code));
        assertFalse(exit.isDone());
        ext.entra().approve(code, EntraRig.UPN);
        rig.advance(Duration.ofSeconds(5));
        assertEquals(TerminalEnrollment.OK, exit.get());
        assertTrue(output().contains("Enrolled as room401@contoso.example (tenant " + ext.entra().tenantId() + ")"), output());
    }

    @Test
    void exitsZeroWithoutANewCodeWhenAlreadyEnrolled() throws Exception {
        EntraRig rig = new EntraRig(scheduler, ext, tmp.resolve("s"));
        rig.enroll().stop();
        CompletableFuture<Integer> exit = start(rig, false);
        assertEquals(TerminalEnrollment.OK, exit.get());
        assertTrue(output().contains("Already enrolled as room401@contoso.example"), output());
        assertEquals(1, ext.entra().requests().stream().filter(r -> r.isDeviceCodeRequest()).count());
    }

    @Test
    void forceSignsInAgain() throws Exception {
        EntraRig rig = new EntraRig(scheduler, ext, tmp.resolve("s"));
        rig.enroll().stop();
        CompletableFuture<Integer> exit = start(rig, true);
        assertFalse(exit.isDone());
        assertEquals(2, ext.entra().requests().stream().filter(r -> r.isDeviceCodeRequest()).count());
        ext.entra().approve(ext.entra().pendingCodes().get(0).userCode(), "admin@contoso.example");
        rig.advance(Duration.ofSeconds(5));
        assertEquals(TerminalEnrollment.OK, exit.get());
        assertTrue(output().contains("Enrolled as admin@contoso.example"), output());
    }

    @Test
    void exitsNonZeroWhenSignInIsDeclined() throws Exception {
        EntraRig rig = new EntraRig(scheduler, ext, tmp.resolve("s"));
        CompletableFuture<Integer> exit = start(rig, false);
        ext.entra().decline(ext.entra().pendingCodes().get(0).userCode());
        rig.advance(Duration.ofSeconds(5));
        assertEquals(TerminalEnrollment.DECLINED, exit.get());
        assertTrue(errors().contains("declined"), errors());
        assertFalse(output().contains("declined"), "failures go to standard error: " + output());
    }

    @Test
    void exitsNonZeroNamingTheKeyWhenTheClientIdIsWrong() throws Exception {
        Path dir = tmp.resolve("s");
        EntraConfig base = EntraRig.defaultConfig(ext, dir);
        EntraConfig cfg = new EntraConfig(base.authority(), base.tenant(), "00000000-0000-0000-0000-00000000abcd",
                base.scopes(), base.caFile(), base.requestTimeout());
        EntraRig rig = new EntraRig(scheduler, ext, dir, cfg);
        CompletableFuture<Integer> exit = start(rig, false);
        assertEquals(TerminalEnrollment.CONFIG_ERROR, exit.get());
        assertTrue(errors().contains("entra.client-id"), errors());
        assertFalse(output().contains("entra.client-id"), "failures go to standard error: " + output());
    }

    @Test
    void exitsNonZeroWhenNobodySignsInInTime() throws Exception {
        EntraRig rig = new EntraRig(scheduler, ext, tmp.resolve("s"));
        ext.entra().setPollInterval(Duration.ofSeconds(60), false);
        CompletableFuture<Integer> exit = start(rig, false);
        rig.advance(Duration.ofMinutes(31));
        assertEquals(TerminalEnrollment.TIMED_OUT, exit.get());
        assertTrue(output().contains("The previous code expired"), "a new code was printed after 15 min: " + output());
    }

    @Test
    void saysHowLongItWaitedInTheWordsOfTheOption() throws Exception {
        EntraRig rig = new EntraRig(scheduler, ext, tmp.resolve("s"));
        CompletableFuture<Integer> exit = start(rig, false, Duration.ofSeconds(8));
        rig.advance(Duration.ofSeconds(9));
        assertEquals(TerminalEnrollment.TIMED_OUT, exit.get());
        assertTrue(errors().contains("Nobody signed in within 8 s;"), errors());
    }
}
