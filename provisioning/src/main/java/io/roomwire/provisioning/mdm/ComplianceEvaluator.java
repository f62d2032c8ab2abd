package io.roomwire.provisioning.mdm;

import io.roomwire.hal.DeviceInfo;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Evaluates a {@link CompliancePolicy} against the device's live state. */
public final class ComplianceEvaluator {

    private final DeviceInfo device;
    private final Supplier<Optional<Duration>> calendarStaleness;
    private final Clock clock;

    /**
     * @param calendarStaleness time since the last successful calendar sync; empty when it never synced
     */
    public ComplianceEvaluator(DeviceInfo device, Supplier<Optional<Duration>> calendarStaleness, Clock clock) {
        this.device = device;
        this.calendarStaleness = calendarStaleness;
        this.clock = clock;
    }

    public ComplianceReport evaluate(CompliancePolicy policy) {
        List<ComplianceReport.Violation> v = new ArrayList<>();
        policy.minimumFirmware().ifPresent(min -> {
            String fw = device.firmwareVersion();
            // "unknown" would compare as text and pass any numeric minimum
            if (DeviceInfo.UNKNOWN.equals(fw)) {
                v.add(new ComplianceReport.Violation(CompliancePolicy.MINIMUM_FIRMWARE, "firmware version is unknown ("
                        + device.unknownReasons().getOrDefault("firmwareVersion", "the hardware did not say") + ")"));
            } else if (compareVersions(fw, min) < 0) {
                v.add(new ComplianceReport.Violation(CompliancePolicy.MINIMUM_FIRMWARE,
                        "firmware " + fw + " is below the required " + min));
            }
        });
        if (policy.requireEncryption() && !device.storageEncrypted()) {
            v.add(new ComplianceReport.Violation(CompliancePolicy.REQUIRE_ENCRYPTION, "storage is not encrypted"));
        }
        if (policy.blockDebugMode() && device.debugEnabled()) {
            v.add(new ComplianceReport.Violation(CompliancePolicy.BLOCK_DEBUG_MODE, "debug mode is enabled"));
        }
        policy.maxCalendarStaleness().ifPresent(max -> {
            Optional<Duration> age = calendarStaleness.get();
            if (age.isEmpty()) {
                v.add(new ComplianceReport.Violation(CompliancePolicy.MAX_CALENDAR_STALENESS,
                        "calendar has never synced (maximum " + max.toMinutes() + " min)"));
            } else if (age.get().compareTo(max) > 0) {
                v.add(new ComplianceReport.Violation(CompliancePolicy.MAX_CALENDAR_STALENESS,
                        "calendar last synced " + age.get().toMinutes() + " min ago (maximum " + max.toMinutes() + " min)"));
            }
        });
        return ComplianceReport.of(v, clock.instant());
    }

    /**
     * Compares dotted versions numerically segment by segment ("1.10" &gt; "1.9"); non-numeric
     * segments compare as text; a missing segment counts as 0.
     */
    public static int compareVersions(String a, String b) {
        String[] x = a.trim().split("[.\\-+_]");
        String[] y = b.trim().split("[.\\-+_]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c;
            if (p.matches("\\d{1,18}") && q.matches("\\d{1,18}")) {
                c = Long.compare(Long.parseLong(p), Long.parseLong(q));
            } else {
                c = p.compareTo(q);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
