package io.roomwire.agent.device;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.sim.SimDevice;
import io.roomwire.hal.sim.SimDeviceInfo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place that turns {@code device.hal} into hardware. Each implementation is one entry below;
 * an implementation with native dependencies lives in its own module that only {@code agent} depends
 * on, so provisioning, sip-bridge and the simulators never see them.
 */
public final class DeviceFactory {

    /** Builds a whole {@link Device} from the configuration; called once per process. */
    @FunctionalInterface
    public interface Implementation {
        Device create(Config config, Scheduler scheduler);
    }

    private static final Map<String, Implementation> IMPLEMENTATIONS = new LinkedHashMap<>();

    static {
        IMPLEMENTATIONS.put("sim", DeviceFactory::simulated);
    }

    private DeviceFactory() {
    }

    /** The values {@code device.hal} accepts, in the order they are documented. */
    public static List<String> names() {
        return List.copyOf(IMPLEMENTATIONS.keySet());
    }

    /** The hardware {@code device.hal} names; the setting only accepts {@link #names()}. */
    public static Device create(Config config, Scheduler scheduler) {
        String hal = config.get(AgentSettings.HAL);
        Implementation implementation = IMPLEMENTATIONS.get(hal);
        if (implementation == null) {
            throw new IllegalStateException("device.hal=" + hal + " is not built into this agent: set one of "
                    + String.join(", ", names()));
        }
        return implementation.create(config, scheduler);
    }

    /** Simulated camera, codec (real RTP on loopback) and touch panel, described by the {@code sim.*} settings. */
    private static Device simulated(Config config, Scheduler scheduler) {
        return SimDevice.create(scheduler, simulatedInfo(config));
    }

    private static SimDeviceInfo simulatedInfo(Config config) {
        return new SimDeviceInfo(config.get(AgentSettings.SIM_SERIAL), config.get(AgentSettings.SIM_MODEL),
                config.get(AgentSettings.SIM_FIRMWARE), config.get(AgentSettings.SIM_MAC),
                config.get(AgentSettings.SIM_ENCRYPTED), config.get(AgentSettings.SIM_DEBUG));
    }
}
