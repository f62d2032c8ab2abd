package io.roomwire.agent.signin;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Sign-in to Entra ID (device-code enrollment). The feature is on when tenant and client id are set. */
public final class EntraSettings {

    private EntraSettings() {
    }

    public static final Setting<URI> AUTHORITY = Setting.of("entra.authority", SettingType.URI_TYPE,
            "https://login.microsoftonline.com", "Login service: scheme, host and port, no path; https (http only for loopback simulators)");

    public static final Setting<String> TENANT = Setting.optional("entra.tenant", SettingType.STRING,
            "Tenant: GUID, verified domain (contoso.com) or 'organizations'; with entra.client-id this turns sign-in on");

    public static final Setting<String> CLIENT_ID = Setting.optional("entra.client-id", SettingType.STRING,
            "Application (client) ID of a public-client app registration with 'Allow public client flows' on");

    public static final Setting<List<String>> SCOPES = Setting.of("entra.scopes", SettingType.LIST,
            "https://graph.microsoft.com/Calendars.Read,https://graph.microsoft.com/User.Read,offline_access",
            "Scopes to request (comma-separated); openid, profile and offline_access are always added");

    public static final Setting<Path> CA_FILE = Setting.optional("entra.ca-file", SettingType.PATH,
            "PEM file of CA certificates to trust instead of the JDK's (a simulator or a TLS-inspecting proxy)");

    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.of("entra.request-timeout", SettingType.DURATION,
            "30s", "Timeout of each request to the login service");
}
