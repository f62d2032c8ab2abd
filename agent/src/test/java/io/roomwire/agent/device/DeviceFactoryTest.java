package io.roomwire.agent.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.Settings;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Device;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceFactoryTest {

    @Test
    void simBuildsTheSimulatedDeviceTheSimSettingsDescribe() throws Exception {
        Config config = Config.parse("test", "device.hal=sim\nsim.serial=RW-TEST-42\nsim.model=Desk Kit\n",
                Map.of(), Settings.all());
        Device device = DeviceFactory.create(config, new VirtualScheduler(Instant.EPOCH));
        assertEquals("RW-TEST-42", device.info().serialNumber());
        assertEquals("Desk Kit", device.info().model());
    }

    @Test
    void theSettingAcceptsExactlyTheImplementationsTheFactoryKnows() {
        assertEquals("sim", DeviceFactory.names().get(0));
        ConfigException e = assertThrows(ConfigException.class,
                () -> Config.parse("test", "device.hal=quantum\n", Map.of(), Settings.all()));
        assertTrue(e.getMessage().contains("device.hal") && e.getMessage().contains("sim"), e.getMessage());
    }
}
