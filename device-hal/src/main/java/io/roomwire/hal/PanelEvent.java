package io.roomwire.hal;

/** What a person did on the touch panel. */
public sealed interface PanelEvent {

    /** A button of the current screen was pressed. */
    record ButtonPressed(String buttonId) implements PanelEvent { }

    /** Digits typed on the in-call keypad. */
    record KeypadDigits(String digits) implements PanelEvent { }
}
