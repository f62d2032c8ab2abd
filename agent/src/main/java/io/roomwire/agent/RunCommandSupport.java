package io.roomwire.agent;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.sim.SimDevice;
import io.roomwire.hal.sim.SimDeviceInfo;

/** The hardware the configuration names ({@code device.hal}), for the commands that need it. */
public final class RunCommandSupport {

    private RunCommandSupport() {
    }

    public static Device simDevice(Config config, Scheduler scheduler) {
        return SimDevice.create(scheduler, new SimDeviceInfo(config.get(AgentSettings.SIM_SERIAL),
                config.get(AgentSettings.SIM_MODEL), config.get(AgentSettings.SIM_FIRMWARE),
                config.get(AgentSettings.SIM_MAC), config.get(AgentSettings.SIM_ENCRYPTED),
                config.get(AgentSettings.SIM_DEBUG)));
    }
}
