package io.roomwire.hal.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimTouchPanelTest {

    @Test
    void recordsScreensAndDeliversPressesOfShownButtons() {
        SimTouchPanel panel = new SimTouchPanel();
        List<PanelEvent> events = new ArrayList<>();
        panel.onEvent(events::add);
        panel.show(Screen.of("home", "Room 401", List.of("No meetings")));
        panel.show(new Screen("home", "Room 401", List.of("Standup 09:00"),
                List.of(new PanelButton("join-1", "Join", "Standup")), Map.of()));
        panel.press("join-1");
        assertEquals(2, panel.history().size());
        assertEquals(List.of(new PanelEvent.ButtonPressed("join-1")), events);
    }

    @Test
    void pressingAButtonThatIsNotShownFailsLoudly() {
        SimTouchPanel panel = new SimTouchPanel();
        panel.show(Screen.of("home", "Room 401", List.of()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> panel.press("join-9"));
        assertTrue(e.getMessage().contains("join-9"));
    }

    @Test
    void bannerIsShownAboveEveryScreenUntilCleared() {
        SimTouchPanel panel = new SimTouchPanel();
        panel.banner(Optional.of("Device not compliant: firmware 1.2 is below the required 1.4"));
        panel.show(Screen.of("home", "Room", List.of()));
        assertEquals(Optional.of("Device not compliant: firmware 1.2 is below the required 1.4"), panel.currentBanner());
        panel.banner(Optional.empty());
        assertEquals(Optional.empty(), panel.currentBanner());
    }
}
