package io.roomwire.agent.mdm;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/** MDM enrollment (MS-MDE2) and compliance check-in (MS-MDM OMA-DM). */
public final class MdmSettings {

    private MdmSettings() {
    }

    public static final Setting<Boolean> ENABLED = Setting.of("mdm.enabled", SettingType.BOOLEAN, "false",
            "Enroll in MDM and check in compliance (needs Entra sign-in, mdm.discovery-url and mdm.upn)");

    public static final Setting<URI> DISCOVERY_URL = Setting.optional("mdm.discovery-url", SettingType.URI_TYPE,
            "MDM discovery endpoint, e.g. https://enrollment.manage.microsoft.com/EnrollmentServer/Discovery.svc "
                    + "(https; http only for loopback simulators)");

    public static final Setting<String> UPN = Setting.optional("mdm.upn", SettingType.STRING,
            "The room account (UPN) to enroll as, e.g. room401@contoso.com");

    public static final Setting<String> DEVICE_TYPE = Setting.of("mdm.device-type", SettingType.STRING,
            "CIMClient_Windows", "Device type sent in discovery and enrollment");

    public static final Setting<Path> TRUST_CA_FILE = Setting.optional("mdm.trust-ca-file", SettingType.PATH,
            "PEM file of CA certificates to trust for the MDM servers instead of the JDK's");

    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.of("mdm.request-timeout", SettingType.DURATION,
            "30s", "Timeout of each request to the MDM service");

    public static final Setting<Duration> COMPLIANCE_INTERVAL = Setting.of("mdm.compliance-interval",
            SettingType.DURATION, "1m", "How often local compliance is re-evaluated (a change triggers a check-in)");

    public static final Setting<Duration> RETRY_BASE = Setting.of("mdm.retry-base", SettingType.DURATION, "30s",
            "First delay after a failed enrollment or check-in (doubles, with jitter)");

    public static final Setting<Duration> RETRY_CAP = Setting.of("mdm.retry-cap", SettingType.DURATION, "30m",
            "Longest delay between retries");

    public static final Setting<String> SCHEDULE = Setting.optional("mdm.schedule",
            SettingType.matching("(\\d+x\\d+[smhd])(,\\d+x\\d+[smhd])*", "a schedule such as 5x3m,8x15m,0x8h"),
            "Override of the server's check-in schedule: COUNTxINTERVAL steps, 0 = forever "
                    + "(Intune's default is 5x3m,8x15m,0x8h)");
}
