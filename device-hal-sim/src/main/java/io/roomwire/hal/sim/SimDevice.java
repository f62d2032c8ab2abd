package io.roomwire.hal.sim;

import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;

/** Builds a whole simulated device. */
public final class SimDevice {

    private SimDevice() {
    }

    public static Device create(Scheduler scheduler, SimDeviceInfo info) {
        SimCamera camera = new SimCamera();
        SimCodec codec = new SimCodec(scheduler, java.net.InetAddress.getLoopbackAddress(), camera);
        return new Device(info, camera, codec, new SimTouchPanel(), new SimPeripherals(camera));
    }

    public static SimDeviceInfo defaultInfo() {
        return new SimDeviceInfo("RW-SIM-0001", "Roomwire Sim Room Kit", "1.4.0", "02:00:5e:10:00:01", true, false);
    }
}
