package io.roomwire.agent.device;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.hal.linux.LinuxDevice;
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
        /** {@code events} receives what the hardware reports by itself (hot-plug). */
        Device create(Config config, Scheduler scheduler, EventSink events);
    }

    private static final Map<String, Implementation> IMPLEMENTATIONS = new LinkedHashMap<>();

    static {
        IMPLEMENTATIONS.put("sim", (config, scheduler, events) -> simulated(config, scheduler));
        IMPLEMENTATIONS.put("linux", DeviceFactory::linux);
    }

    private DeviceFactory() {
    }

    /** The values {@code device.hal} accepts, in the order they are documented. */
    public static List<String> names() {
        return List.copyOf(IMPLEMENTATIONS.keySet());
    }

    /** The hardware {@code device.hal} names, for commands that report no events. */
    public static Device create(Config config, Scheduler scheduler) {
        return create(config, scheduler, EventSink.none());
    }

    /** The hardware {@code device.hal} names; the setting only accepts {@link #names()}. */
    public static Device create(Config config, Scheduler scheduler, EventSink events) {
        String hal = config.get(AgentSettings.HAL);
        Implementation implementation = IMPLEMENTATIONS.get(hal);
        if (implementation == null) {
            throw new IllegalStateException("device.hal=" + hal + " is not built into this agent: set one of "
                    + String.join(", ", names()));
        }
        return implementation.create(config, scheduler, events);
    }

    /** This Linux PC read below {@code linux.root}, polled every {@code linux.poll-interval}. */
    private static Device linux(Config config, Scheduler scheduler, EventSink events) {
        java.time.Duration poll = config.get(AgentSettings.LINUX_POLL);
        if (poll.isZero() || poll.isNegative()) {
            throw new IllegalArgumentException("linux.poll-interval must be longer than 0s (it is " + poll
                    + "): set it to e.g. 5s");
        }
        String level = config.get(AgentSettings.LOG_LEVEL);
        Device d = LinuxDevice.create(config.get(AgentSettings.LINUX_ROOT), scheduler, events,
                new LinuxDevice.Options(poll, config.get(AgentSettings.LINUX_SSH_IS_DEBUG),
                        level.equals("debug") || level.equals("trace")));
        // the serial names the room on MQTT and in MDM: two rooms must never share "unknown"
        if (DeviceInfo.UNKNOWN.equals(d.info().serialNumber()) && config.find(AgentSettings.DEVICE_ID).isEmpty()) {
            throw new IllegalArgumentException("This PC has no readable serial number ("
                    + d.info().unknownReasons().get("serialNumber") + "): set device.id to name the room");
        }
        return d;
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
