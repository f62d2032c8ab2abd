package io.roomwire.sip.sdp;

import io.roomwire.hal.MediaKind;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the room can send and receive, in preference order, with the payload types we offer.
 * {@link #standard()} is the CVI set: Opus/48000/2, G.722, PCMU, PCMA and telephone-event/8000 for
 * audio; H.264 constrained baseline (profile-level-id=42e01f, packetization-mode=1) for video.
 */
public record MediaCapabilities(Map<MediaKind, List<RtpMap>> formats) {

    public static final String H264_FMTP = "profile-level-id=42e01f;packetization-mode=1";
    public static final int TELEPHONE_EVENT_PT = 101;

    public MediaCapabilities {
        formats = Map.copyOf(formats);
    }

    public static MediaCapabilities standard() {
        return new MediaCapabilities(Map.of(
                MediaKind.AUDIO, List.of(
                        new RtpMap(111, "opus", 48000, 2, java.util.Optional.of("useinbandfec=1")),
                        RtpMap.of(9, "G722", 8000),
                        RtpMap.of(0, "PCMU", 8000),
                        RtpMap.of(8, "PCMA", 8000),
                        RtpMap.of(TELEPHONE_EVENT_PT, "telephone-event", 8000).withFmtp("0-16")),
                MediaKind.VIDEO, List.of(RtpMap.of(96, "H264", 90000).withFmtp(H264_FMTP))));
    }

    /** The standard set limited to what a codec says it can do (telephone-event always stays). */
    public static MediaCapabilities forCodec(List<String> audioEncodings, List<String> videoEncodings) {
        MediaCapabilities std = standard();
        Set<String> a = audioEncodings.stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        Set<String> v = videoEncodings.stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<RtpMap> audio = std.formats.get(MediaKind.AUDIO).stream()
                .filter(f -> f.isTelephoneEvent() || a.contains(f.encoding().toLowerCase(Locale.ROOT))).toList();
        List<RtpMap> video = std.formats.get(MediaKind.VIDEO).stream()
                .filter(f -> v.contains(f.encoding().toLowerCase(Locale.ROOT))).toList();
        return video.isEmpty() ? new MediaCapabilities(Map.of(MediaKind.AUDIO, audio))
                : new MediaCapabilities(Map.of(MediaKind.AUDIO, audio, MediaKind.VIDEO, video));
    }

    /**
     * These capabilities with audio limited to {@code audio} (encoding names, in that order; empty keeps
     * every audio format in its order) and video dropped unless {@code video}; telephone-event always stays.
     */
    public MediaCapabilities limitTo(List<String> audio, boolean video) {
        List<RtpMap> a = of(MediaKind.AUDIO);
        if (!audio.isEmpty()) {
            List<RtpMap> ordered = new java.util.ArrayList<>();
            for (String name : audio) {
                a.stream().filter(f -> !f.isTelephoneEvent() && f.encoding().equalsIgnoreCase(name)).forEach(ordered::add);
            }
            a.stream().filter(RtpMap::isTelephoneEvent).forEach(ordered::add);
            a = ordered;
        }
        return video && !of(MediaKind.VIDEO).isEmpty()
                ? new MediaCapabilities(Map.of(MediaKind.AUDIO, a, MediaKind.VIDEO, of(MediaKind.VIDEO)))
                : new MediaCapabilities(Map.of(MediaKind.AUDIO, a));
    }

    /** Some audio codec besides telephone-event. */
    public boolean hasAudioCodec() {
        return of(MediaKind.AUDIO).stream().anyMatch(f -> !f.isTelephoneEvent());
    }

    public List<RtpMap> of(MediaKind kind) {
        return formats.getOrDefault(kind, List.of());
    }

    /** Our format matching a remote one: same encoding and clock, and for H.264 the same packetization. */
    java.util.Optional<RtpMap> match(MediaKind kind, RtpMap remote) {
        return of(kind).stream().filter(f -> f.sameFormat(remote)).filter(f -> compatibleH264(f, remote)).findFirst();
    }

    private static boolean compatibleH264(RtpMap ours, RtpMap remote) {
        if (!ours.encoding().equalsIgnoreCase("H264")) {
            return true;
        }
        String mode = remote.fmtpParameter("packetization-mode").orElse("0");
        return mode.equals(ours.fmtpParameter("packetization-mode").orElse("0"));
    }
}
