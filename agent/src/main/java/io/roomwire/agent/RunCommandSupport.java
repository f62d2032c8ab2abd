package io.roomwire.agent;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.hal.linux.LinuxDevice;
import io.roomwire.hal.sim.SimDevice;
import io.roomwire.hal.sim.SimDeviceInfo;

/** The hardware the configuration names ({@code device.hal}), for the commands that need it. */
public final class RunCommandSupport {

    private RunCommandSupport() {
    }

    /** The device {@code device.hal} names: {@code linux} reads this PC, {@code sim} simulates one. */
    public static Device device(Config config, Scheduler scheduler, EventSink events) {
        if ("linux".equals(config.get(AgentSettings.HAL))) {
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
        return simDevice(config, scheduler);
    }

    public static Device simDevice(Config config, Scheduler scheduler) {
        return SimDevice.create(scheduler, new SimDeviceInfo(config.get(AgentSettings.SIM_SERIAL),
                config.get(AgentSettings.SIM_MODEL), config.get(AgentSettings.SIM_FIRMWARE),
                config.get(AgentSettings.SIM_MAC), config.get(AgentSettings.SIM_ENCRYPTED),
                config.get(AgentSettings.SIM_DEBUG)));
    }
}
