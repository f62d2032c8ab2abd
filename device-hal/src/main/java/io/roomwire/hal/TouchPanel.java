package io.roomwire.hal;

import java.util.Optional;
import java.util.function.Consumer;

/** The room's touch panel: screens out, {@link PanelEvent}s in. */
public interface TouchPanel {

    /** Replaces the current screen. */
    void show(Screen screen);

    /** Shows (or with empty, clears) a banner above every screen, e.g. "Device not compliant: ...". */
    void banner(Optional<String> text);

    /** Adds a listener for presses; listeners run on the panel's thread and must not block. */
    void onEvent(Consumer<PanelEvent> listener);

    Optional<Screen> current();

    Optional<String> currentBanner();
}
