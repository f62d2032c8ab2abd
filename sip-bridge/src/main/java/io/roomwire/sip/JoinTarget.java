package io.roomwire.sip;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where and how to join a meeting: produced from an invitation (OBTP) or typed by an admin
 * ({@code roomwire dial}), consumed by a {@code JoinPath}.
 *
 * @param kind     how to join
 * @param uri      {@code sip:}/{@code sips:} URI for SIP kinds, {@code https:} URL for WEBRTC/URL
 * @param provider who runs the meeting or gateway: {@code teams-cisco}, {@code teams-poly},
 *                 {@code teams-pexip}, {@code webex}, {@code zoom}, {@code sip}, {@code teams} ...
 * @param dtmf     digits to key in after the IVR answers (SIP_IVR), e.g. {@code "123456789#"}
 * @param source   which field of the invitation it came from: {@code onlineMeeting.joinUrl},
 *                 {@code location}, {@code body}, {@code cli}
 */
public record JoinTarget(Kind kind, String uri, String provider, Optional<String> dtmf, String source) {

    public enum Kind {
        /** Dial the URI directly; the meeting id is in the URI. */
        SIP,
        /** Dial the gateway's IVR, then send {@link #dtmf()} when media is up. */
        SIP_IVR,
        /** Join the Teams meeting itself over WebRTC (the join URL). */
        WEBRTC,
        /** Only a link: shown, not dialable from the room. */
        URL;

        /** The wire name used in JSON and docs: {@code sip}, {@code sip-ivr}, {@code webrtc}, {@code url}. */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static Kind fromWireName(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    public JoinTarget {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(dtmf, "dtmf");
        Objects.requireNonNull(source, "source");
        if (kind == Kind.SIP_IVR && dtmf.isEmpty()) {
            throw new IllegalArgumentException("an IVR join needs DTMF digits: " + uri);
        }
    }

    public static JoinTarget sip(String uri, String provider, String source) {
        return new JoinTarget(Kind.SIP, uri, provider, Optional.empty(), source);
    }

    public static JoinTarget ivr(String uri, String digits, String provider, String source) {
        return new JoinTarget(Kind.SIP_IVR, uri, provider, Optional.of(digits), source);
    }

    public boolean isSip() {
        return kind == Kind.SIP || kind == Kind.SIP_IVR;
    }
}
