package io.roomwire.hal;

import java.util.List;

/** The room camera: presets and pan/tilt/zoom. */
public interface Camera {

    /** Pan, tilt and zoom as fractions of the mechanical range, each in [-1, 1] (zoom [0, 1]). */
    record Position(double pan, double tilt, double zoom) {
        public Position {
            if (pan < -1 || pan > 1 || tilt < -1 || tilt > 1 || zoom < 0 || zoom > 1) {
                throw new IllegalArgumentException("position out of range: " + pan + "," + tilt + "," + zoom);
            }
        }
    }

    record Preset(int id, String name, Position position) { }

    List<Preset> presets();

    /** Moves to a stored preset; throws {@link IllegalArgumentException} for an unknown id. */
    void recallPreset(int id);

    void moveTo(Position position);

    Position position();

    boolean healthy();
}
