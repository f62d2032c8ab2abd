package io.roomwire.agent.config;

import io.roomwire.agent.device.DeviceFactory;
import java.nio.file.Path;
import java.time.Duration;

/** Settings of the agent process itself. */
public final class AgentSettings {

    private AgentSettings() {
    }

    public static final Setting<String> DEVICE_ID = Setting.optional("device.id",
            SettingType.matching("[A-Za-z0-9][A-Za-z0-9_-]{0,63}", "letters, digits, '-' and '_' (at most 64)"),
            "Device id used in MQTT topics and log lines; defaults to the hardware serial number");

    public static final Setting<String> DEVICE_NAME = Setting.of("device.name", SettingType.STRING, "Meeting Room",
            "Room name shown on the panel and reported to MDM");

    public static final Setting<String> HAL = Setting.of("device.hal", SettingType.oneOf(DeviceFactory.names().toArray(String[]::new)), "sim",
            "Hardware implementation (io.roomwire.agent.device.DeviceFactory): sim is the simulated camera, codec and touch"
                    + " panel; linux reads this PC's facts and peripherals from /proc and /sys (media and panel stay software)");

    public static final Setting<java.time.ZoneId> TIME_ZONE = Setting.of("device.time-zone", SettingType.ZONE, "UTC",
            "The room's time zone, for meeting times on the panel");

    public static final Setting<Path> STATE_DIR = Setting.of("agent.state-dir", SettingType.PATH, "/var/lib/roomwire",
            "Folder for state that survives reboots (keys, tokens, calendar cache, event queue); created 0700");

    public static final Setting<String> LOG_LEVEL = Setting.of("agent.log-level",
            SettingType.oneOf("trace", "debug", "info", "warn", "error"), "info", "Log level");

    public static final Setting<Duration> STOP_TIMEOUT = Setting.of("agent.stop-timeout", SettingType.DURATION, "10s",
            "How long a graceful stop (SIGTERM) may take before services are abandoned");

    public static final Setting<Duration> RETRY_BASE = Setting.of("agent.retry-base", SettingType.DURATION, "1s",
            "First delay before a failed service is started again (doubles, with jitter)");

    public static final Setting<Duration> RETRY_MAX = Setting.of("agent.retry-max", SettingType.DURATION, "5m",
            "Longest delay between start attempts of a failed service");

    public static final Setting<String> SIM_SERIAL = Setting.of("sim.serial", SettingType.STRING, "RW-SIM-0001",
            "Simulated hardware: serial number");

    public static final Setting<String> SIM_MODEL = Setting.of("sim.model", SettingType.STRING, "Roomwire Sim Room Kit",
            "Simulated hardware: model");

    public static final Setting<String> SIM_FIRMWARE = Setting.of("sim.firmware", SettingType.STRING, "1.4.0",
            "Simulated hardware: firmware version");

    public static final Setting<String> SIM_MAC = Setting.of("sim.mac",
            SettingType.matching("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}", "a MAC address such as 02:00:5e:10:00:01"),
            "02:00:5e:10:00:01", "Simulated hardware: MAC address");

    public static final Setting<Boolean> SIM_ENCRYPTED = Setting.of("sim.storage-encrypted", SettingType.BOOLEAN, "true",
            "Simulated hardware: storage encryption on");

    public static final Setting<Boolean> SIM_DEBUG = Setting.of("sim.debug", SettingType.BOOLEAN, "false",
            "Simulated hardware: debug mode on");

    public static final Setting<Path> LINUX_ROOT = Setting.of("linux.root", SettingType.PATH, "/",
            "Linux hardware: the root the host's /proc, /sys, /etc and /run are read under (another path reads a captured tree)");

    public static final Setting<Duration> LINUX_POLL = Setting.of("linux.poll-interval", SettingType.DURATION, "5s",
            "Linux hardware: how often peripherals (hot-plug) and security posture are read again");

    public static final Setting<Boolean> LINUX_SSH_IS_DEBUG = Setting.of("linux.ssh-counts-as-debug", SettingType.BOOLEAN,
            "true", "Linux hardware: an enabled or running SSH server counts as debug mode (false where SSH is the"
                    + " sanctioned support path)");
}
