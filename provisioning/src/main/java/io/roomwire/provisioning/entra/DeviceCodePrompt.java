package io.roomwire.provisioning.entra;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a person needs to sign the room in: the short code, where to enter it, and until when.
 * {@code notice} says why this code is shown when it is not the first ("The previous code
 * expired", "The room's sign-in was revoked").
 */
public record DeviceCodePrompt(String userCode, String verificationUri, Instant expiresAt, String message,
                               Optional<String> notice) {

    /** Time left at {@code now} (zero once expired). */
    public Duration remaining(Instant now) {
        Duration d = Duration.between(now, expiresAt);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** QR code of the verification URI. */
    public QrCode qr() {
        return QrCode.of(verificationUri);
    }
}
