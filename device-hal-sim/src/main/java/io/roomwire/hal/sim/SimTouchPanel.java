package io.roomwire.hal.sim;

import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A panel that records every screen it was asked to show and lets tests press its buttons. */
public final class SimTouchPanel implements TouchPanel {

    private final List<Screen> history = new ArrayList<>();
    private final List<Consumer<PanelEvent>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Screen>> observers = new CopyOnWriteArrayList<>();
    private volatile Screen current;
    private volatile String banner;

    @Override
    public void show(Screen screen) {
        synchronized (history) {
            history.add(screen);
            if (history.size() > 1000) {
                history.remove(0);
            }
        }
        current = screen;
        observers.forEach(o -> o.accept(screen));
    }

    @Override
    public void banner(Optional<String> text) {
        banner = text.orElse(null);
    }

    @Override
    public void onEvent(Consumer<PanelEvent> listener) {
        listeners.add(listener);
    }

    @Override
    public Optional<Screen> current() {
        return Optional.ofNullable(current);
    }

    @Override
    public Optional<String> currentBanner() {
        return Optional.ofNullable(banner);
    }

    /** Every screen shown so far (the last 1000), oldest first. */
    public List<Screen> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** Called with every new screen (for renderers such as the simulated room's console view). */
    public void observe(Consumer<Screen> observer) {
        observers.add(observer);
    }

    /** Presses a button of the current screen, as a person would. */
    public void press(String buttonId) {
        Screen s = current;
        if (s == null || s.buttons().stream().map(PanelButton::id).noneMatch(buttonId::equals)) {
            throw new IllegalStateException("No button '" + buttonId + "' on the current screen "
                    + (s == null ? "(nothing shown)" : s.kind() + " " + s.buttons()));
        }
        PanelEvent e = new PanelEvent.ButtonPressed(buttonId);
        listeners.forEach(l -> l.accept(e));
    }

    /** Types digits on the keypad. */
    public void type(String digits) {
        PanelEvent e = new PanelEvent.KeypadDigits(digits);
        listeners.forEach(l -> l.accept(e));
    }
}
