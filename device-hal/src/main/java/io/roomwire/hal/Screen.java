package io.roomwire.hal;

import java.util.List;
import java.util.Map;

/**
 * What the touch panel shows: a kind ({@code home}, {@code device-code}, {@code call},
 * {@code incoming-call}, ...), a title, lines of text, buttons, and kind-specific data (for
 * example {@code qr} holding a QR code of the sign-in URL). Renderers (the sim, the web panel)
 * draw any screen from these fields.
 */
public record Screen(String kind, String title, List<String> lines, List<PanelButton> buttons,
                     Map<String, String> data) {

    public Screen {
        lines = List.copyOf(lines);
        buttons = List.copyOf(buttons);
        data = Map.copyOf(data);
    }

    public static Screen of(String kind, String title, List<String> lines) {
        return new Screen(kind, title, lines, List.of(), Map.of());
    }
}
