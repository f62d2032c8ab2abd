package io.roomwire.hal.linux;

import io.roomwire.hal.Camera;
import java.util.List;

/**
 * The room's USB (UVC) camera as a fixed-view camera: it is healthy while a V4L2 capture device is
 * present. Pan/tilt/zoom of a PTZ camera needs UVC controls on an open device, which belongs to the
 * media pipeline (GStreamer's v4l2src extra-controls); until then the one preset is the camera's
 * own view and moving elsewhere is refused with that reason.
 */
public final class LinuxCamera implements Camera {

    private static final Position HOME = new Position(0, 0, 0);
    private static final List<Preset> PRESETS = List.of(new Preset(1, "Room overview", HOME));

    private final LinuxPeripherals peripherals;

    LinuxCamera(LinuxPeripherals peripherals) {
        this.peripherals = peripherals;
    }

    @Override
    public List<Preset> presets() {
        return PRESETS;
    }

    @Override
    public void recallPreset(int id) {
        if (id != 1) {
            throw new IllegalArgumentException("No camera preset " + id + "; this camera has one view, preset 1");
        }
    }

    @Override
    public void moveTo(Position p) {
        if (!p.equals(HOME)) {
            throw new UnsupportedOperationException("The camera " + label() + " has a fixed view here: pan, tilt and zoom"
                    + " need the media pipeline's UVC controls, which this release does not drive");
        }
    }

    @Override
    public Position position() {
        return HOME;
    }

    @Override
    public boolean healthy() {
        return peripherals.camera().isPresent();
    }

    private String label() {
        return peripherals.camera().map(f -> f.name() + " (" + f.id() + ")").orElse("(none connected)");
    }
}
