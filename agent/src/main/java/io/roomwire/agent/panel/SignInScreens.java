package io.roomwire.agent.panel;

import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.entra.DeviceCodePrompt;
import io.roomwire.provisioning.entra.EnrollmentFailure;
import io.roomwire.provisioning.entra.EnrollmentListener;
import io.roomwire.provisioning.entra.TokenManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The enrollment as panel screens: the device code, where to enter it, a QR code of the URL and a
 * countdown (refreshed every {@value #TICK_SECONDS} s); "sign-in was declined" with a button for a
 * new code; success; and configuration errors naming the key to fix. Provisioning only reports the
 * enrollment through {@link EnrollmentListener}; the screens are the panel owner's, so they are built
 * here and handed to {@link RoomPanel#signInScreens()}, which decides when the sign-in layer shows and
 * routes a press of {@link #NEW_CODE_BUTTON} to {@link TokenManager#requestNewCode}.
 */
public final class SignInScreens implements EnrollmentListener {

    public static final String KIND_CODE = "device-code";
    public static final String KIND_DECLINED = "device-code-declined";
    public static final String KIND_ENROLLED = "enrolled";
    public static final String KIND_ERROR = "enrollment-error";
    public static final String NEW_CODE_BUTTON = "entra.new-code";
    static final int TICK_SECONDS = 15;

    private final Consumer<Screen> screens;
    private final Scheduler scheduler;
    private final Object lock = new Object();
    private Scheduler.Cancellable ticker;
    private DeviceCodePrompt shown;

    /** {@code screens} receives every sign-in screen, the countdown's refreshes included. */
    public SignInScreens(Consumer<Screen> screens, Scheduler scheduler) {
        this.screens = screens;
        this.scheduler = scheduler;
    }

    /** Renders {@code manager}'s enrollment into {@code screens}. */
    public static SignInScreens attach(TokenManager manager, Consumer<Screen> screens, Scheduler scheduler) {
        SignInScreens p = new SignInScreens(screens, scheduler);
        manager.addListener(p);
        return p;
    }

    /** The device-code screen at {@code now}: code, URL, countdown, and the QR matrix in {@code data.qr}. */
    public static Screen deviceCodeScreen(DeviceCodePrompt p, Instant now) {
        List<String> lines = new ArrayList<>();
        p.notice().ifPresent(lines::add);
        lines.add("On your phone or computer, open " + p.verificationUri());
        lines.add("and enter the code " + p.userCode());
        lines.add(countdown(p.remaining(now)));
        return new Screen(KIND_CODE, "Sign in this room", lines, List.of(), Map.of(
                "user_code", p.userCode(),
                "verification_uri", p.verificationUri(),
                "expires_at", p.expiresAt().toString(),
                "qr", p.qr().rows()));
    }

    static String countdown(Duration left) {
        if (left.isZero()) {
            return "The code has expired; getting a new one...";
        }
        long s = left.toSeconds();
        return String.format("Code expires in %d:%02d", s / 60, s % 60);
    }

    @Override
    public void codeShown(DeviceCodePrompt prompt) {
        synchronized (lock) {
            stopTicker();
            shown = prompt;
            screens.accept(deviceCodeScreen(prompt, scheduler.now()));
            ticker = scheduler.scheduleAtFixedRate(Duration.ofSeconds(TICK_SECONDS), Duration.ofSeconds(TICK_SECONDS), this::tick);
        }
    }

    private void tick() {
        synchronized (lock) {
            if (shown == null) {
                return;
            }
            screens.accept(deviceCodeScreen(shown, scheduler.now()));
            if (!scheduler.now().isBefore(shown.expiresAt())) {
                stopTicker();
            }
        }
    }

    @Override
    public void declined(String reason) {
        synchronized (lock) {
            stopTicker();
            screens.accept(new Screen(KIND_DECLINED, "Sign-in was declined", List.of(reason),
                    List.of(new PanelButton(NEW_CODE_BUTTON, "Get a new code", "Show a new sign-in code")), Map.of()));
        }
    }

    @Override
    public void enrolled(Account account) {
        synchronized (lock) {
            stopTicker();
            screens.accept(new Screen(KIND_ENROLLED, "Room signed in",
                    List.of("Enrolled as " + account.upn() + " (tenant " + account.tenantId() + ")"), List.of(),
                    Map.of("upn", account.upn(), "tenant_id", account.tenantId())));
        }
    }

    @Override
    public void failed(EnrollmentFailure failure) {
        synchronized (lock) {
            stopTicker();
            List<String> lines = new ArrayList<>();
            lines.add(failure.message());
            failure.configKey().ifPresent(k -> lines.add("Setting to fix: " + k));
            screens.accept(new Screen(KIND_ERROR, "The room cannot sign in", lines,
                    List.of(new PanelButton(NEW_CODE_BUTTON, "Try again", "After fixing the setting")),
                    failure.configKey().map(k -> Map.of("config_key", k)).orElse(Map.of())));
        }
    }

    /** The prompt currently on screen. */
    public Optional<DeviceCodePrompt> shown() {
        synchronized (lock) {
            return Optional.ofNullable(shown);
        }
    }

    private void stopTicker() {
        shown = null;
        if (ticker != null) {
            ticker.cancel();
            ticker = null;
        }
    }

    /** Stops the countdown (when the agent replaces the enrollment screen). */
    public void close() {
        synchronized (lock) {
            stopTicker();
        }
    }
}
