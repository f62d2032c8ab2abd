package io.roomwire.hal.sim;

import io.roomwire.hal.Camera;
import java.util.List;

/** A camera with four presets that moves instantly and remembers where it is. */
public final class SimCamera implements Camera {

    private final List<Preset> presets = List.of(
            new Preset(1, "Room overview", new Position(0, 0, 0)),
            new Preset(2, "Table", new Position(0, -0.2, 0.4)),
            new Preset(3, "Whiteboard", new Position(0.6, 0.1, 0.5)),
            new Preset(4, "Presenter", new Position(-0.5, 0, 0.7)));
    private volatile Position position = presets.get(0).position();
    private volatile boolean healthy = true;

    @Override
    public List<Preset> presets() {
        return presets;
    }

    @Override
    public void recallPreset(int id) {
        position = presets.stream().filter(p -> p.id() == id).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("No camera preset " + id + "; presets are 1-"
                        + presets.size()))
                .position();
    }

    @Override
    public void moveTo(Position p) {
        position = p;
    }

    @Override
    public Position position() {
        return position;
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    /** Scenario hook: unplug or replug the camera. */
    public void setHealthy(boolean value) {
        healthy = value;
    }
}
