package io.roomwire.hal;

/** Health of one part of the room: camera, microphone, speaker, display, touch panel. */
public record PeripheralStatus(String name, String kind, State state, String detail) {
    public enum State { OK, WARNING, FAILED, ABSENT }
}
