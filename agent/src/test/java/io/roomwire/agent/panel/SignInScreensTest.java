package io.roomwire.agent.panel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.Screen;
import io.roomwire.hal.sim.SimTouchPanel;
import io.roomwire.provisioning.Account;
import io.roomwire.provisioning.entra.DeviceCodePrompt;
import io.roomwire.provisioning.entra.EnrollmentFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Provisioning's enrollment events rendered as the sign-in screens (moved from provisioning's DeviceCodeEnrollmentTest). */
class SignInScreensTest {

    private static final String URI = "https://microsoft.com/devicelogin";

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-05T09:00:00Z"));
    private final List<Screen> shown = new ArrayList<>();
    private final SignInScreens screens = new SignInScreens(shown::add, time);

    private DeviceCodePrompt prompt(String code, Optional<String> notice) {
        return new DeviceCodePrompt(code, URI, time.now().plus(Duration.ofMinutes(15)),
                "To sign in, open " + URI + " and enter the code " + code, notice);
    }

    private Screen current() {
        return shown.get(shown.size() - 1);
    }

    @Test
    void showsTheCodeWhereToEnterItAQrCodeAndTheCountdown() {
        DeviceCodePrompt p = prompt("ABCD-EFGH", Optional.empty());
        screens.codeShown(p);
        Screen s = current();
        assertEquals(SignInScreens.KIND_CODE, s.kind());
        assertEquals("device-code", s.kind());
        assertEquals(p.userCode(), s.data().get("user_code"));
        assertEquals(p.verificationUri(), s.data().get("verification_uri"));
        assertEquals(p.expiresAt().toString(), s.data().get("expires_at"));
        assertTrue(s.data().get("qr").matches("[01]+(\n[01]+)+"), "qr rows of 1/0");
        assertEquals(p.qr().rows(), s.data().get("qr"));
        assertTrue(s.lines().stream().anyMatch(l -> l.contains(p.userCode())));
        assertTrue(s.lines().stream().anyMatch(l -> l.contains(URI)));
        assertTrue(s.lines().contains("Code expires in 15:00"), s.lines().toString());
    }

    @Test
    void saysWhyANewCodeIsShown() {
        String notice = "The previous code expired; use this new code.";
        screens.codeShown(prompt("ABCD-EFGH", Optional.of(notice)));
        assertEquals(notice, current().lines().get(0));
        assertEquals("ABCD-EFGH", current().data().get("user_code"));
    }

    @Test
    void countdownOnThePanelMovesWithTime() {
        screens.codeShown(prompt("ABCD-EFGH", Optional.empty()));
        time.advance(Duration.ofSeconds(60));
        assertTrue(current().lines().contains("Code expires in 14:00"), current().lines().toString());
        time.advance(Duration.ofMinutes(14));
        assertTrue(current().lines().contains("The code has expired; getting a new one..."), current().lines().toString());
        int after = shown.size();
        time.advance(Duration.ofMinutes(5));
        assertEquals(after, shown.size(), "the countdown stops once the code expired");
    }

    @Test
    void aDeclinedSignInOffersANewCode() {
        screens.codeShown(prompt("ABCD-EFGH", Optional.empty()));
        screens.declined("The sign-in was declined (AADSTS70000)");
        Screen s = current();
        assertEquals(SignInScreens.KIND_DECLINED, s.kind());
        assertTrue(s.title().contains("declined"));
        assertEquals(List.of("The sign-in was declined (AADSTS70000)"), s.lines());
        assertEquals(List.of(SignInScreens.NEW_CODE_BUTTON), s.buttons().stream().map(PanelButton::id).toList());
        assertEquals("Get a new code", s.buttons().get(0).label());
        int after = shown.size();
        time.advance(Duration.ofMinutes(2));
        assertEquals(after, shown.size(), "no countdown over the declined screen");
        assertTrue(screens.shown().isEmpty());
    }

    @Test
    void saysWhoTheRoomIsEnrolledAs() {
        screens.enrolled(new Account("room401@contoso.example", "tenant-1", "oid", "Room 401"));
        Screen s = current();
        assertEquals(SignInScreens.KIND_ENROLLED, s.kind());
        assertEquals("enrolled", s.kind());
        assertTrue(s.lines().get(0).contains("Enrolled as room401@contoso.example (tenant tenant-1)"), s.lines().toString());
        assertEquals("room401@contoso.example", s.data().get("upn"));
    }

    @Test
    void anErrorNamesTheSettingToFixAndOffersToTryAgain() {
        screens.failed(new EnrollmentFailure(Optional.of("entra.client-id"),
                "Entra does not know the application (AADSTS700016): check entra.client-id"));
        Screen s = current();
        assertEquals(SignInScreens.KIND_ERROR, s.kind());
        assertTrue(s.lines().contains("Setting to fix: entra.client-id"), s.lines().toString());
        assertTrue(s.lines().get(0).contains("AADSTS700016"));
        assertEquals("entra.client-id", s.data().get("config_key"));
        assertEquals(List.of(SignInScreens.NEW_CODE_BUTTON), s.buttons().stream().map(PanelButton::id).toList());
    }

    @Test
    void hostileTextFromEntraIsShownAsText() {
        String hostile = "<script>alert('x')</script> & <img src=x onerror=alert(1)>\u202e\n";
        screens.declined(hostile);
        assertEquals(List.of(hostile), current().lines());
        screens.failed(new EnrollmentFailure(Optional.empty(), hostile));
        assertEquals(List.of(hostile), current().lines(), "no config key line when there is none");
        assertTrue(current().data().isEmpty());
    }

    @Test
    void onTheRoomPanelANewCodePressReachesSignInAndTheNewCodeShows() {
        SimTouchPanel hardware = new SimTouchPanel();
        RoomPanel panel = new RoomPanel(hardware, time, Optional::empty);
        SignInScreens onPanel = new SignInScreens(panel.signInScreens(), time);
        AtomicInteger newCodes = new AtomicInteger();
        panel.onNewSignInCode(newCodes::incrementAndGet);
        panel.claimSignIn();
        onPanel.codeShown(prompt("ABCD-EFGH", Optional.empty()));
        onPanel.declined("declined");
        assertEquals(SignInScreens.KIND_DECLINED, hardware.current().orElseThrow().kind());

        hardware.press(SignInScreens.NEW_CODE_BUTTON);
        assertEquals(1, newCodes.get());
        onPanel.codeShown(prompt("JKLM-NPQR", Optional.empty()));
        assertEquals(SignInScreens.KIND_CODE, hardware.current().orElseThrow().kind());
        assertEquals("JKLM-NPQR", hardware.current().orElseThrow().data().get("user_code"));
    }
}
