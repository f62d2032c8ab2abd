package io.roomwire.agent.panel.web;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;

/** Settings of the touch panel's local web app (what the room's kiosk browser shows). */
public final class WebPanelSettings {

    private WebPanelSettings() {
    }

    public static final Setting<Boolean> ENABLED = Setting.of("panel.http-enabled", SettingType.BOOLEAN, "true",
            "Serve the touch panel as a web page for the room's kiosk browser (false: only the hardware panel)");

    public static final Setting<Integer> PORT = Setting.of("panel.http-port", SettingType.integer(0, 65535), "8480",
            "TCP port of the touch panel web page (0: any free port, printed at start)");

    public static final Setting<String> BIND = Setting.of("panel.http-bind", SettingType.STRING, "127.0.0.1",
            "Address the panel web page listens on; anything but loopback also needs panel.pairing-pin");

    public static final Setting<String> PAIRING_PIN = Setting.optional("panel.pairing-pin",
            SettingType.matching("[0-9]{6,12}", "6 to 12 digits"),
            "PIN a browser on another host enters once per agent start before it may see or press the panel "
            + "(needed when panel.http-bind is not loopback)").asSecret();

    public static final Setting<String> ADMIN_PIN = Setting.optional("panel.admin-pin",
            SettingType.matching("[0-9]{4,12}", "4 to 12 digits"),
            "PIN of the panel's admin page (device info, network, service health, peripherals, version); "
            + "empty: the admin page is off").asSecret();
}
