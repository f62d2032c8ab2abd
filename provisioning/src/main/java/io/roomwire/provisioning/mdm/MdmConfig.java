package io.roomwire.provisioning.mdm;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of the MDM client, as plain values (the agent maps its {@code mdm.*} keys onto this).
 *
 * @param enabled            {@code mdm.enabled}
 * @param discoveryUrl       {@code mdm.discovery-url}: the MS-MDE2 discovery endpoint
 *                           ({@code https://enterpriseenrollment.<domain>/EnrollmentServer/Discovery.svc})
 * @param upn                {@code mdm.upn}: the account the device enrolls as (the room mailbox)
 * @param deviceName         {@code mdm.device-name}: name shown in the MDM console
 * @param deviceType         {@code mdm.device-type}: MS-MDE2 DeviceType
 * @param trustAnchors       roots trusted for the MDM servers ({@code mdm.trust-ca-file}); empty: the JDK's
 * @param requestTimeout     {@code mdm.request-timeout}
 * @param complianceInterval {@code mdm.compliance-interval}: how often local compliance is re-evaluated
 * @param retryBase          {@code mdm.retry-base}: first back-off after a failed check-in or enrollment
 * @param retryCap           {@code mdm.retry-cap}: longest back-off
 * @param schedule           {@code mdm.schedule}: overrides the poll schedule of the provisioning document
 */
public record MdmConfig(boolean enabled, URI discoveryUrl, String upn, String deviceName, String deviceType,
                        List<X509Certificate> trustAnchors, Duration requestTimeout, Duration complianceInterval,
                        Duration retryBase, Duration retryCap, Optional<PollSchedule> schedule) {

    public static final String DEFAULT_DEVICE_TYPE = "CIMClient_Windows";

    public MdmConfig {
        Objects.requireNonNull(discoveryUrl, "discoveryUrl");
        Objects.requireNonNull(upn, "upn");
        Objects.requireNonNull(deviceName, "deviceName");
        deviceType = deviceType == null || deviceType.isBlank() ? DEFAULT_DEVICE_TYPE : deviceType;
        trustAnchors = List.copyOf(trustAnchors);
        Objects.requireNonNull(schedule, "schedule");
    }

    /** Defaults for everything but the three values only the deployment knows. */
    public static MdmConfig of(URI discoveryUrl, String upn, String deviceName) {
        return new MdmConfig(true, discoveryUrl, upn, deviceName, DEFAULT_DEVICE_TYPE, List.of(), Duration.ofSeconds(30),
                Duration.ofMinutes(1), Duration.ofSeconds(30), Duration.ofMinutes(30), Optional.empty());
    }

    public MdmConfig withTrustAnchors(List<X509Certificate> anchors) {
        return new MdmConfig(enabled, discoveryUrl, upn, deviceName, deviceType, anchors, requestTimeout,
                complianceInterval, retryBase, retryCap, schedule);
    }

    public MdmConfig withRetry(Duration base, Duration cap) {
        return new MdmConfig(enabled, discoveryUrl, upn, deviceName, deviceType, trustAnchors, requestTimeout,
                complianceInterval, base, cap, schedule);
    }

    public MdmConfig withSchedule(Optional<PollSchedule> s) {
        return new MdmConfig(enabled, discoveryUrl, upn, deviceName, deviceType, trustAnchors, requestTimeout,
                complianceInterval, retryBase, retryCap, s);
    }

    public MdmConfig withEnabled(boolean on) {
        return new MdmConfig(on, discoveryUrl, upn, deviceName, deviceType, trustAnchors, requestTimeout,
                complianceInterval, retryBase, retryCap, schedule);
    }
}
