package io.roomwire.provisioning.mdm;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The device's compliance with its {@link CompliancePolicy}: compliant, or not with each failed
 * setting and a sentence an operator understands ("firmware 1.2 is below the required 1.4").
 */
public record ComplianceReport(boolean compliant, List<Violation> violations, Instant evaluatedAt) {

    /** One failed setting: the policy node name and why. */
    public record Violation(String setting, String reason) {
    }

    public ComplianceReport {
        violations = List.copyOf(violations);
    }

    public static ComplianceReport of(List<Violation> violations, Instant at) {
        return new ComplianceReport(violations.isEmpty(), violations, at);
    }

    /** Reasons joined with "; ", empty when compliant. */
    public String reasons() {
        return violations.stream().map(Violation::reason).collect(Collectors.joining("; "));
    }

    /** The touch-panel banner text, present only when not compliant. */
    public Optional<String> bannerText() {
        return compliant ? Optional.empty() : Optional.of("Device not compliant: " + reasons());
    }

    /** Same verdict and reasons (evaluation time ignored). */
    public boolean sameOutcome(ComplianceReport other) {
        return other != null && compliant == other.compliant && violations.equals(other.violations);
    }
}
