package io.roomwire.agent.update;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import java.net.URI;
import java.time.Duration;

/** Update settings (docs/updates.md); all are local-only: an update source is never changed over MQTT. */
public final class UpdateSettings {

    public static final Setting<URI> HAWKBIT_URL = Setting.optional("update.hawkbit-url", SettingType.URI_TYPE,
            "Eclipse hawkBit server (https://host; http only with update.lab.allow-plain-http) whose DDI API the device polls for deployments; empty: no polling");

    public static final Setting<String> HAWKBIT_TENANT = Setting.of("update.hawkbit-tenant", SettingType.STRING, "DEFAULT",
            "hawkBit tenant of this device");

    public static final Setting<String> HAWKBIT_CONTROLLER_ID = Setting.optional("update.hawkbit-controller-id", SettingType.STRING,
            "hawkBit controller id; empty: the device id");

    public static final Setting<String> HAWKBIT_TOKEN = Setting.optional("update.hawkbit-token", SettingType.STRING,
            "hawkBit target security token (sent as Authorization: TargetToken)").asSecret();

    public static final Setting<Boolean> LAB_ALLOW_PLAIN_HTTP = Setting.of("update.lab.allow-plain-http", SettingType.BOOLEAN,
            "false", "WARNING, LAB USE ONLY. Lets update.hawkbit-url and the hawkBit artifact links be http://: the target token and"
                    + " the deployments travel readable and can be changed on the way (bundles stay signed). false (the default)"
                    + " refuses them");

    public static final Setting<Duration> TRIAL_TIMEOUT = Setting.of("update.trial-timeout", SettingType.DURATION, "3m",
            "How long a new slot on trial has to bring every service up before the launcher rolls it back");

    private UpdateSettings() {
    }
}
