package io.roomwire.sip.sdp;

import java.util.Locale;
import java.util.Optional;

/**
 * One payload format of a media line: {@code a=rtpmap:<pt> <encoding>/<clock>[/<channels>]} plus its
 * optional {@code a=fmtp} parameters.
 */
public record RtpMap(int payloadType, String encoding, int clockRate, int channels, Optional<String> fmtp) {

    public RtpMap {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type out of range: " + payloadType);
        }
        fmtp = fmtp == null ? Optional.empty() : fmtp;
    }

    public static RtpMap of(int pt, String encoding, int clockRate) {
        return new RtpMap(pt, encoding, clockRate, 1, Optional.empty());
    }

    public RtpMap withFmtp(String parameters) {
        return new RtpMap(payloadType, encoding, clockRate, channels, Optional.of(parameters));
    }

    /** True when encoding (case-insensitive) and clock rate match. */
    public boolean sameFormat(RtpMap o) {
        return encoding.equalsIgnoreCase(o.encoding) && clockRate == o.clockRate;
    }

    public boolean isTelephoneEvent() {
        return encoding.equalsIgnoreCase("telephone-event");
    }

    /** The value of one fmtp parameter, e.g. {@code profile-level-id}. */
    public Optional<String> fmtpParameter(String name) {
        if (fmtp.isEmpty()) {
            return Optional.empty();
        }
        for (String p : fmtp.get().split(";")) {
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().equalsIgnoreCase(name)) {
                return Optional.of(p.substring(eq + 1).trim());
            }
        }
        return Optional.empty();
    }

    String rtpmapLine() {
        return "a=rtpmap:" + payloadType + " " + encoding + "/" + clockRate + (channels > 1 ? "/" + channels : "");
    }

    /** Static payload types of RFC 3551 that may appear without an rtpmap. */
    static Optional<RtpMap> staticType(int pt) {
        return switch (pt) {
            case 0 -> Optional.of(of(0, "PCMU", 8000));
            case 8 -> Optional.of(of(8, "PCMA", 8000));
            case 9 -> Optional.of(of(9, "G722", 8000));
            case 18 -> Optional.of(of(18, "G729", 8000));
            case 34 -> Optional.of(of(34, "H263", 90000));
            default -> Optional.empty();
        };
    }

    @Override
    public String toString() {
        return encoding.toLowerCase(Locale.ROOT) + "/" + clockRate + "(" + payloadType + ")";
    }
}
