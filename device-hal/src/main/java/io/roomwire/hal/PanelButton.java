package io.roomwire.hal;

/** A button on a panel screen; {@code id} comes back in {@link PanelEvent.ButtonPressed}. */
public record PanelButton(String id, String label, String detail) { }
