package io.roomwire.agent.signin;

import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The touch panel as the meeting screens see it: while the room must sign in, the sign-in screen
 * owns the panel and other screens are held back (the latest is remembered and shown as soon as
 * sign-in completes), so a calendar refresh can never hide the device code.
 */
public final class SignInGatedPanel implements TouchPanel {

    private final TouchPanel panel;
    private final BooleanSupplier signInShowing;
    private Screen held;

    public SignInGatedPanel(TouchPanel panel, BooleanSupplier signInShowing) {
        this.panel = panel;
        this.signInShowing = signInShowing;
    }

    @Override
    public synchronized void show(Screen screen) {
        if (signInShowing.getAsBoolean()) {
            held = screen;
        } else {
            held = null;
            panel.show(screen);
        }
    }

    /** Called when sign-in state changes: shows the held screen once sign-in no longer needs the panel. */
    public synchronized void release() {
        if (held != null && !signInShowing.getAsBoolean()) {
            panel.show(held);
            held = null;
        }
    }

    @Override public void banner(Optional<String> text) { panel.banner(text); }
    @Override public void onEvent(Consumer<PanelEvent> listener) { panel.onEvent(listener); }
    @Override public Optional<Screen> current() { return panel.current(); }
    @Override public Optional<String> currentBanner() { return panel.currentBanner(); }
}
