package io.roomwire.provisioning.mdm;

import java.net.URI;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What enrollment gave the device (from the {@code wap-provisioningdoc}): the MDM's root
 * certificates, the client certificate for the device key, the management server, the poll
 * schedule and the renewal settings. Kept in the store as {@code mdm-enrollment.json}.
 */
public record Enrollment(String deviceId, String upn, String providerId, URI managementUrl, URI enrollmentServiceUrl,
                         List<X509Certificate> rootCertificates, X509Certificate clientCertificate,
                         PollSchedule schedule, Duration renewPeriod, Duration renewRetryInterval, Instant enrolledAt) {

    public Enrollment {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(managementUrl, "managementUrl");
        Objects.requireNonNull(clientCertificate, "clientCertificate");
        rootCertificates = List.copyOf(rootCertificates);
    }

    public Instant certificateExpiry() {
        return clientCertificate.getNotAfter().toInstant();
    }

    /** When the client certificate should be renewed: {@code renewPeriod} before it expires. */
    public Instant renewalDue() {
        return certificateExpiry().minus(renewPeriod);
    }

    public Enrollment withClientCertificate(X509Certificate renewed) {
        return new Enrollment(deviceId, upn, providerId, managementUrl, enrollmentServiceUrl, rootCertificates, renewed,
                schedule, renewPeriod, renewRetryInterval, enrolledAt);
    }

    @Override
    public String toString() {
        return "Enrollment[" + deviceId + " at " + managementUrl + " as " + upn + ", certificate until "
                + certificateExpiry() + "]";
    }
}
