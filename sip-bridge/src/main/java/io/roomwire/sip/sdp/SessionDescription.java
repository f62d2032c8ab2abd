package io.roomwire.sip.sdp;

import io.roomwire.hal.MediaKind;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An SDP body (RFC 8866) reduced to what a SIP video call needs: origin, session connection
 * address, and the media sections in order. Parsing is strict about structure and bounded in size
 * because the body comes from the network.
 */
public record SessionDescription(String username, long sessionId, long version, String originAddress,
                                 Optional<String> connection, List<MediaDescription> media) {

    /** Larger bodies are refused before parsing: a CVI offer is ~1.5 KB. */
    public static final int MAX_BYTES = 16 * 1024;
    public static final int MAX_MEDIA = 8;

    public SessionDescription {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(originAddress, "originAddress");
        Objects.requireNonNull(connection, "connection");
        media = List.copyOf(media);
    }

    /** The first section of a kind, if any. */
    public Optional<MediaDescription> first(MediaKind kind) {
        return media.stream().filter(m -> m.kind().filter(kind::equals).isPresent()).findFirst();
    }

    /** Where the far end wants a stream: the section's c= or the session's c=, and the m= port. */
    public Optional<String> addressOf(MediaDescription m) {
        return m.connection().or(() -> connection);
    }

    public SessionDescription withVersion(long v) {
        return new SessionDescription(username, sessionId, v, originAddress, connection, media);
    }

    public SessionDescription withMedia(List<MediaDescription> m) {
        return new SessionDescription(username, sessionId, version, originAddress, connection, m);
    }

    public String format() {
        StringBuilder sb = new StringBuilder(1024);
        String ipv = originAddress.contains(":") ? "IP6" : "IP4";
        sb.append("v=0\r\n");
        sb.append("o=").append(username).append(' ').append(sessionId).append(' ').append(version)
                .append(" IN ").append(ipv).append(' ').append(originAddress).append("\r\n");
        sb.append("s=-\r\n");
        connection.ifPresent(c -> sb.append("c=IN ").append(c.contains(":") ? "IP6 " : "IP4 ").append(c).append("\r\n"));
        sb.append("t=0 0\r\n");
        for (MediaDescription m : media) {
            m.appendTo(sb);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return format().replaceAll("inline:[^\\s]+", "inline:***").replace("\r\n", " | ");
    }

    public static SessionDescription parse(byte[] body) throws SdpException {
        if (body == null || body.length == 0) {
            throw new SdpException("empty session description");
        }
        if (body.length > MAX_BYTES) {
            throw new SdpException("session description of " + body.length + " bytes exceeds " + MAX_BYTES);
        }
        return parse(new String(body, StandardCharsets.UTF_8));
    }

    public static SessionDescription parse(String text) throws SdpException {
        if (text.length() > MAX_BYTES) {
            throw new SdpException("session description exceeds " + MAX_BYTES + " bytes");
        }
        String[] lines = text.split("\r?\n");
        String user = null;
        long sessId = 0;
        long ver = 0;
        String origin = null;
        String sessionConn = null;
        Direction sessionDir = Direction.SENDRECV;
        int sessionAs = 0;
        long sessionTias = 0;
        boolean sawVersion = false;
        List<MediaDescription.Builder> builders = new ArrayList<>();
        MediaDescription.Builder cur = null;
        int n = 0;
        for (String raw : lines) {
            n++;
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() < 2 || line.charAt(1) != '=') {
                throw new SdpException("line " + n + " is not <type>=<value>");
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            switch (type) {
                case 'v' -> {
                    if (!value.equals("0")) {
                        throw new SdpException("unsupported SDP version v=" + value);
                    }
                    sawVersion = true;
                }
                case 'o' -> {
                    String[] p = value.split(" ");
                    if (p.length != 6) {
                        throw new SdpException("o= line needs 6 fields (line " + n + ")");
                    }
                    user = p[0];
                    sessId = parseLong(p[1], "o= session id", n);
                    ver = parseLong(p[2], "o= version", n);
                    origin = p[5];
                }
                case 'c' -> {
                    String addr = connectionAddress(value, n);
                    if (cur == null) {
                        sessionConn = addr;
                    } else {
                        cur.connection = addr;
                    }
                }
                case 'm' -> {
                    if (builders.size() >= MAX_MEDIA) {
                        throw new SdpException("more than " + MAX_MEDIA + " media sections");
                    }
                    cur = mediaLine(value, n);
                    builders.add(cur);
                }
                case 'a' -> attribute(value, cur, n);
                case 'b' -> {
                    long[] bw = bandwidth(value, n);
                    if (cur != null) {
                        cur.asKbps = bw[0] > 0 ? (int) bw[0] : cur.asKbps;
                        cur.tiasBps = bw[1] > 0 ? bw[1] : cur.tiasBps;
                    } else {
                        sessionAs = bw[0] > 0 ? (int) bw[0] : sessionAs;
                        sessionTias = bw[1] > 0 ? bw[1] : sessionTias;
                    }
                }
                default -> {
                    // s=, t=, i=, u=, e=, p=, k=, r=, z= carry nothing a call needs.
                }
            }
            if (type == 'a' && cur == null) {
                Direction d = Direction.fromAttribute(value);
                if (d != null) {
                    sessionDir = d;
                }
            }
        }
        if (!sawVersion) {
            throw new SdpException("missing v=0");
        }
        if (origin == null) {
            throw new SdpException("missing o= line");
        }
        List<MediaDescription> media = new ArrayList<>();
        for (MediaDescription.Builder b : builders) {
            MediaDescription md = b.build(sessionDir, MediaDescription.Builder.bandwidth(sessionAs, sessionTias, 0));
            if (md.kind().isPresent() && !md.isRejected() && sessionConn == null && md.connection().isEmpty()) {
                throw new SdpException("no c= address for the " + md.media() + " stream");
            }
            media.add(md);
        }
        return new SessionDescription(user, sessId, ver, origin, Optional.ofNullable(sessionConn), media);
    }

    /**
     * A {@code b=} line as {AS kbit/s, TIAS bit/s}, 0 for the one it is not. Other types (CT, RR, RS) limit
     * nothing we send per stream and are skipped; a number that is not one is an error.
     */
    private static long[] bandwidth(String value, int line) throws SdpException {
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new SdpException("b= line must be <bwtype>:<bandwidth> (line " + line + ")");
        }
        String type = value.substring(0, colon);
        String number = value.substring(colon + 1).strip();
        if (!type.equals("AS") && !type.equals("TIAS")) {
            return new long[] {0, 0};
        }
        if (!number.matches("\\d{1,12}")) {
            throw new SdpException("b=" + type + " is not a whole number (line " + line + ")");
        }
        long v = Long.parseLong(number);
        return type.equals("AS") ? new long[] {Math.min(v, Integer.MAX_VALUE), 0} : new long[] {0, v};
    }

    private static long parseLong(String s, String what, int line) throws SdpException {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            // Some stacks put large unsigned ids here; keep a stable value rather than failing the call.
            if (s.matches("\\d{1,40}")) {
                return s.hashCode() & 0x7fffffffL;
            }
            throw new SdpException(what + " is not a number (line " + line + ")");
        }
    }

    private static String connectionAddress(String value, int line) throws SdpException {
        String[] p = value.split(" ");
        if (p.length != 3 || !p[0].equals("IN") || !(p[1].equals("IP4") || p[1].equals("IP6"))) {
            throw new SdpException("c= line must be 'IN IP4|IP6 <address>' (line " + line + ")");
        }
        String addr = p[2];
        int slash = addr.indexOf('/');
        if (slash > 0) {
            addr = addr.substring(0, slash);
        }
        if (!addr.matches("[A-Za-z0-9.:-]{1,253}")) {
            throw new SdpException("bad connection address (line " + line + ")");
        }
        return addr;
    }

    private static MediaDescription.Builder mediaLine(String value, int line) throws SdpException {
        String[] p = value.split(" ");
        if (p.length < 4) {
            throw new SdpException("m= line needs media, port, protocol and formats (line " + line + ")");
        }
        MediaDescription.Builder b = new MediaDescription.Builder();
        b.media = p[0];
        if (!b.media.matches("[a-z]{1,16}")) {
            throw new SdpException("bad media type (line " + line + ")");
        }
        String port = p[1];
        int slash = port.indexOf('/');
        if (slash > 0) {
            port = port.substring(0, slash);
        }
        try {
            b.port = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new SdpException("m= port is not a number (line " + line + ")");
        }
        if (b.port < 0 || b.port > 65535) {
            throw new SdpException("m= port out of range (line " + line + ")");
        }
        b.protocol = p[2];
        boolean rtp = b.protocol.startsWith("RTP/");
        for (int i = 3; i < p.length; i++) {
            if (!rtp) {
                continue;
            }
            try {
                int pt = Integer.parseInt(p[i]);
                if (pt < 0 || pt > 127) {
                    throw new SdpException("payload type " + pt + " out of range (line " + line + ")");
                }
                b.payloadTypes.add(pt);
            } catch (NumberFormatException e) {
                throw new SdpException("payload type '" + p[i] + "' is not a number (line " + line + ")");
            }
        }
        return b;
    }

    private static void attribute(String value, MediaDescription.Builder cur, int line) throws SdpException {
        if (cur == null) {
            return;
        }
        int colon = value.indexOf(':');
        String name = colon < 0 ? value : value.substring(0, colon);
        String arg = colon < 0 ? "" : value.substring(colon + 1);
        switch (name) {
            case "rtpmap" -> {
                String[] p = arg.split(" ", 2);
                if (p.length != 2) {
                    throw new SdpException("a=rtpmap needs '<pt> <encoding>/<rate>' (line " + line + ")");
                }
                String[] enc = p[1].split("/");
                try {
                    int pt = Integer.parseInt(p[0]);
                    int rate = enc.length > 1 ? Integer.parseInt(enc[1]) : 8000;
                    int ch = enc.length > 2 ? Integer.parseInt(enc[2]) : 1;
                    if (enc[0].isEmpty() || rate <= 0 || ch <= 0 || ch > 8) {
                        throw new NumberFormatException();
                    }
                    cur.maps.put(pt, new RtpMap(pt, enc[0], rate, ch, java.util.Optional.empty()));
                } catch (NumberFormatException e) {
                    throw new SdpException("bad a=rtpmap (line " + line + ")");
                } catch (IllegalArgumentException e) {
                    throw new SdpException("bad a=rtpmap: " + e.getMessage() + " (line " + line + ")");
                }
            }
            case "fmtp" -> {
                String[] p = arg.split(" ", 2);
                try {
                    cur.fmtps.put(Integer.parseInt(p[0]), p.length > 1 ? p[1].trim() : "");
                } catch (NumberFormatException e) {
                    throw new SdpException("bad a=fmtp (line " + line + ")");
                }
            }
            case "crypto" -> cur.cryptos.add(Crypto.parse(arg));
            case "rtcp-mux" -> cur.rtcpMux = true;
            case "sendrecv", "sendonly", "recvonly", "inactive" -> cur.direction = Direction.fromAttribute(name);
            default -> {
                if (cur.other.size() < 32) {
                    cur.other.add(value);
                }
            }
        }
    }
}
