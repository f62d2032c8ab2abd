package io.roomwire.provisioning.mdm.internal;

import io.roomwire.core.net.JsonNestingLimit;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.core.store.CorruptStateException;
import io.roomwire.core.store.FileStore;
import io.roomwire.provisioning.mdm.Enrollment;
import io.roomwire.provisioning.mdm.PollSchedule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** Keeps the {@link Enrollment} and the policy node values in the {@link FileStore}. */
public final class EnrollmentStore {

    public static final String ENROLLMENT = "mdm-enrollment.json";
    public static final String POLICY = "mdm-policy.json";

    private final FileStore store;

    public EnrollmentStore(FileStore store) {
        this.store = store;
    }

    public void save(Enrollment e) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("version", 1);
        o.addProperty("deviceId", e.deviceId());
        o.addProperty("upn", e.upn());
        o.addProperty("providerId", e.providerId());
        o.addProperty("managementUrl", e.managementUrl().toString());
        o.addProperty("enrollmentServiceUrl", e.enrollmentServiceUrl().toString());
        JsonArray roots = new JsonArray();
        for (X509Certificate c : e.rootCertificates()) {
            roots.add(der(c));
        }
        o.add("roots", roots);
        o.addProperty("clientCertificate", der(e.clientCertificate()));
        PollSchedule s = e.schedule();
        JsonObject p = new JsonObject();
        p.addProperty("firstCount", s.firstCount());
        p.addProperty("firstMinutes", s.firstInterval().toMinutes());
        p.addProperty("secondCount", s.secondCount());
        p.addProperty("secondMinutes", s.secondInterval().toMinutes());
        p.addProperty("remainingCount", s.remainingCount());
        p.addProperty("remainingMinutes", s.remainingInterval().toMinutes());
        o.add("schedule", p);
        o.addProperty("renewPeriodSeconds", e.renewPeriod().toSeconds());
        o.addProperty("renewRetrySeconds", e.renewRetryInterval().toSeconds());
        o.addProperty("enrolledAt", e.enrolledAt().toString());
        // The client certificate is public, but the file says where and as whom the device is managed.
        store.writeString(ENROLLMENT, o.toString(), FileStore.Sensitivity.SECRET);
    }

    /**
     * The stored enrollment; empty when none. A corrupt or unreadable file is reported as an
     * IOException naming it (the store has moved a corrupt file aside).
     */
    public Optional<Enrollment> load() throws IOException {
        Optional<String> json;
        try {
            json = store.readString(ENROLLMENT);
        } catch (CorruptStateException e) {
            throw new IOException(e.getMessage() + "; the device will enroll again", e);
        }
        if (json.isEmpty()) {
            return Optional.empty();
        }
        try {
            JsonObject o = JsonNestingLimit.parseObject(json.get());
            List<X509Certificate> roots = new ArrayList<>();
            for (JsonElement r : o.getAsJsonArray("roots")) {
                roots.add(cert(r.getAsString()));
            }
            JsonObject p = o.getAsJsonObject("schedule");
            PollSchedule s = new PollSchedule(p.get("firstCount").getAsInt(), Duration.ofMinutes(p.get("firstMinutes").getAsLong()),
                    p.get("secondCount").getAsInt(), Duration.ofMinutes(p.get("secondMinutes").getAsLong()),
                    p.get("remainingCount").getAsInt(), Duration.ofMinutes(p.get("remainingMinutes").getAsLong()));
            return Optional.of(new Enrollment(o.get("deviceId").getAsString(), o.get("upn").getAsString(),
                    o.get("providerId").getAsString(), URI.create(o.get("managementUrl").getAsString()),
                    URI.create(o.get("enrollmentServiceUrl").getAsString()), roots, cert(o.get("clientCertificate").getAsString()),
                    s, Duration.ofSeconds(o.get("renewPeriodSeconds").getAsLong()),
                    Duration.ofSeconds(o.get("renewRetrySeconds").getAsLong()), Instant.parse(o.get("enrolledAt").getAsString())));
        } catch (RuntimeException | GeneralSecurityException e) {
            throw new IOException("Stored MDM enrollment " + store.pathOf(ENROLLMENT) + " cannot be read (" + e
                    + "); delete it to enroll again", e);
        }
    }

    public void delete() throws IOException {
        store.delete(ENROLLMENT);
        store.delete(POLICY);
    }

    public void savePolicy(PolicyState p) throws IOException {
        store.writeString(POLICY, p.toJson(), FileStore.Sensitivity.PLAIN);
    }

    public void loadPolicy(PolicyState p) throws IOException {
        try {
            Optional<String> json = store.readString(POLICY);
            if (json.isPresent()) {
                p.loadJson(json.get());
            }
        } catch (CorruptStateException e) {
            throw new IOException(e.getMessage() + "; policies arrive again at the next check-in", e);
        } catch (RuntimeException e) {
            throw new IOException("Stored MDM policy " + store.pathOf(POLICY) + " cannot be read (" + e
                    + "); policies arrive again at the next check-in", e);
        }
    }

    private static String der(X509Certificate c) {
        try {
            return Base64.getEncoder().encodeToString(c.getEncoded());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate cert(String b64) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Base64.getDecoder().decode(b64)));
    }
}
