package io.roomwire.sip.sdp;

import io.roomwire.hal.MediaKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code m=} section. {@code formats} keeps the order of the m-line (preference order);
 * {@code connection} is the section's own {@code c=} address if it has one; {@code bandwidthKbps} is the
 * most its author wants to receive on this stream: {@code b=TIAS} / 1000 (RFC 3890) or else {@code b=AS}
 * (RFC 4566 §5.8), of the section or else of the session; 0 when it set no limit.
 */
public record MediaDescription(String media, int port, String protocol, List<RtpMap> formats,
                               List<Crypto> cryptos, Direction direction, Optional<String> connection,
                               boolean rtcpMux, List<String> otherAttributes, int bandwidthKbps) {

    public MediaDescription(String media, int port, String protocol, List<RtpMap> formats, List<Crypto> cryptos,
                            Direction direction, Optional<String> connection, boolean rtcpMux, List<String> otherAttributes) {
        this(media, port, protocol, formats, cryptos, direction, connection, rtcpMux, otherAttributes, 0);
    }

    public static final String SAVP = "RTP/SAVP";
    public static final String AVP = "RTP/AVP";

    public MediaDescription {
        Objects.requireNonNull(media, "media");
        Objects.requireNonNull(protocol, "protocol");
        formats = List.copyOf(formats);
        cryptos = List.copyOf(cryptos);
        otherAttributes = List.copyOf(otherAttributes);
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(connection, "connection");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (bandwidthKbps < 0) {
            throw new IllegalArgumentException("bandwidth must not be negative: " + bandwidthKbps);
        }
    }

    /** {@code audio} and {@code video} map to a kind; anything else (application, text) has none. */
    public Optional<MediaKind> kind() {
        return switch (media) {
            case "audio" -> Optional.of(MediaKind.AUDIO);
            case "video" -> Optional.of(MediaKind.VIDEO);
            default -> Optional.empty();
        };
    }

    public static String mediaName(MediaKind kind) {
        return kind == MediaKind.AUDIO ? "audio" : "video";
    }

    public boolean isSecure() {
        return protocol.equalsIgnoreCase(SAVP);
    }

    /** A port of 0 rejects or disables the stream (RFC 3264 section 6). */
    public boolean isRejected() {
        return port == 0;
    }

    public Optional<RtpMap> format(int payloadType) {
        return formats.stream().filter(f -> f.payloadType() == payloadType).findFirst();
    }

    public Optional<RtpMap> telephoneEvent() {
        return formats.stream().filter(RtpMap::isTelephoneEvent).findFirst();
    }

    /** The first non-DTMF format: what the far end sends and wants. */
    public Optional<RtpMap> primaryFormat() {
        return formats.stream().filter(f -> !f.isTelephoneEvent()).findFirst();
    }

    public MediaDescription withPort(int newPort) {
        return new MediaDescription(media, newPort, protocol, formats, cryptos, direction, connection, rtcpMux, otherAttributes,
                bandwidthKbps);
    }

    public MediaDescription withDirection(Direction d) {
        return new MediaDescription(media, port, protocol, formats, cryptos, d, connection, rtcpMux, otherAttributes,
                bandwidthKbps);
    }

    void appendTo(StringBuilder sb) {
        sb.append("m=").append(media).append(' ').append(port).append(' ')
                .append(protocol);
        if (formats.isEmpty()) {
            sb.append(" 0");
        }
        for (RtpMap f : formats) {
            sb.append(' ').append(f.payloadType());
        }
        sb.append("\r\n");
        connection.ifPresent(c -> sb.append("c=IN ").append(c.contains(":") ? "IP6 " : "IP4 ").append(c).append("\r\n"));
        if (bandwidthKbps > 0) {
            sb.append("b=AS:").append(bandwidthKbps).append("\r\n");
        }
        for (RtpMap f : formats) {
            sb.append(f.rtpmapLine()).append("\r\n");
            f.fmtp().ifPresent(p -> sb.append("a=fmtp:").append(f.payloadType()).append(' ').append(p).append("\r\n"));
        }
        for (Crypto c : cryptos) {
            sb.append(c.line()).append("\r\n");
        }
        if (rtcpMux) {
            sb.append("a=rtcp-mux\r\n");
        }
        for (String a : otherAttributes) {
            sb.append("a=").append(a).append("\r\n");
        }
        sb.append("a=").append(direction.attribute()).append("\r\n");
    }

    /** Mutable collector used by the parser. */
    static final class Builder {
        String media;
        int port;
        String protocol;
        final List<Integer> payloadTypes = new ArrayList<>();
        final java.util.Map<Integer, RtpMap> maps = new java.util.HashMap<>();
        final java.util.Map<Integer, String> fmtps = new java.util.HashMap<>();
        final List<Crypto> cryptos = new ArrayList<>();
        Direction direction;
        String connection;
        boolean rtcpMux;
        final List<String> other = new ArrayList<>();
        int asKbps;
        long tiasBps;

        MediaDescription build(Direction sessionDirection) {
            return build(sessionDirection, 0);
        }

        /** @param sessionKbps the session's b= limit, for a section without its own */
        MediaDescription build(Direction sessionDirection, int sessionKbps) {
            List<RtpMap> formats = new ArrayList<>();
            for (int pt : payloadTypes) {
                RtpMap m = maps.get(pt);
                if (m == null) {
                    m = RtpMap.staticType(pt).orElse(RtpMap.of(pt, "unknown", "video".equals(media) ? 90000 : 8000));
                }
                String f = fmtps.get(pt);
                formats.add(f == null ? m : m.withFmtp(f));
            }
            return new MediaDescription(media, port, protocol, formats, cryptos,
                    direction != null ? direction : sessionDirection, Optional.ofNullable(connection), rtcpMux, other,
                    bandwidth(asKbps, tiasBps, sessionKbps));
        }

        /** TIAS is exact (no IP/UDP overhead, RFC 3890 §6.2), so it wins over AS; the section over the session. */
        static int bandwidth(int asKbps, long tiasBps, int sessionKbps) {
            if (tiasBps > 0) {
                return (int) Math.min(Integer.MAX_VALUE, (tiasBps + 999) / 1000);
            }
            return asKbps > 0 ? asKbps : sessionKbps;
        }
    }
}
