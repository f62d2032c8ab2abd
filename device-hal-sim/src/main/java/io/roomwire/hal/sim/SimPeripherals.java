package io.roomwire.hal.sim;

import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.PeripheralStatus.State;
import io.roomwire.hal.Peripherals;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Peripherals whose health a scenario can set; the camera's follows {@link SimCamera}. */
public final class SimPeripherals implements Peripherals {

    private final SimCamera camera;
    private final Map<String, State> overrides = new ConcurrentHashMap<>();

    public SimPeripherals(SimCamera camera) {
        this.camera = camera;
    }

    public void set(String name, State state) {
        overrides.put(name, state);
    }

    @Override
    public List<PeripheralStatus> status() {
        return List.of(
                new PeripheralStatus("camera", "camera", camera.healthy() ? State.OK : State.FAILED,
                        camera.healthy() ? "sim PTZ camera" : "camera not responding"),
                part("microphone", "audio-in", "sim ceiling microphone"),
                part("speaker", "audio-out", "sim soundbar"),
                part("display", "display", "sim 65\" display"),
                part("touch-panel", "panel", "sim touch panel"));
    }

    private PeripheralStatus part(String name, String kind, String detail) {
        State s = overrides.getOrDefault(name, State.OK);
        return new PeripheralStatus(name, kind, s, s == State.OK ? detail : detail + ": " + s.name().toLowerCase());
    }
}
