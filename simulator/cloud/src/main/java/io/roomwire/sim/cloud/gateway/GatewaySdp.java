package io.roomwire.sim.cloud.gateway;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The little SDP a gateway needs: the room's streams (address, formats, crypto) and an answer. */
final class GatewaySdp {

    /** One m= section of the room's offer. */
    record Stream(String media, int port, String protocol, String address, Map<Integer, String> formats,
                  List<String[]> cryptos, String direction) {

        Optional<Integer> payloadType(String encoding) {
            return formats.entrySet().stream()
                    .filter(e -> e.getValue().toLowerCase(Locale.ROOT).startsWith(encoding.toLowerCase(Locale.ROOT) + "/"))
                    .map(Map.Entry::getKey).findFirst();
        }

        Optional<String> crypto(String suite) {
            return cryptos.stream().filter(c -> c[1].equals(suite)).map(c -> c[2]).findFirst();
        }

        Optional<String> cryptoTag(String suite) {
            return cryptos.stream().filter(c -> c[1].equals(suite)).map(c -> c[0]).findFirst();
        }

        InetSocketAddress rtp() {
            return new InetSocketAddress(address, port);
        }
    }

    private GatewaySdp() {
    }

    static List<Stream> parse(byte[] body) {
        if (body == null) {
            throw new IllegalArgumentException("no SDP");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        String sessionAddr = null;
        String sessionDir = "sendrecv";
        List<Stream> out = new ArrayList<>();
        String media = null;
        int port = 0;
        String proto = null;
        String addr = null;
        Map<Integer, String> formats = null;
        List<String[]> cryptos = null;
        String dir = null;
        for (String raw : text.split("\r?\n")) {
            String l = raw.trim();
            if (l.startsWith("m=")) {
                if (media != null) {
                    out.add(new Stream(media, port, proto, addr, formats, cryptos, dir));
                }
                String[] p = l.substring(2).split(" ");
                media = p[0];
                port = Integer.parseInt(p[1].split("/")[0]);
                proto = p[2];
                addr = sessionAddr;
                formats = new LinkedHashMap<>();
                for (int i = 3; i < p.length; i++) {
                    try {
                        int pt = Integer.parseInt(p[i]);
                        formats.put(pt, pt == 0 ? "PCMU/8000" : pt == 8 ? "PCMA/8000" : pt == 9 ? "G722/8000" : "?/0");
                    } catch (NumberFormatException e) {
                        // non-RTP format
                    }
                }
                cryptos = new ArrayList<>();
                dir = sessionDir;
            } else if (l.startsWith("c=")) {
                String a = l.substring(2).split(" ")[2].split("/")[0];
                if (media == null) {
                    sessionAddr = a;
                } else {
                    addr = a;
                }
            } else if (l.startsWith("a=rtpmap:") && formats != null) {
                String[] p = l.substring(9).split(" ", 2);
                formats.put(Integer.parseInt(p[0]), p[1]);
            } else if (l.startsWith("a=crypto:") && cryptos != null) {
                cryptos.add(l.substring(9).split(" "));
            } else if (l.matches("a=(sendrecv|sendonly|recvonly|inactive)")) {
                if (media == null) {
                    sessionDir = l.substring(2);
                } else {
                    dir = l.substring(2);
                }
            }
        }
        if (media != null) {
            out.add(new Stream(media, port, proto, addr, formats, cryptos, dir));
        }
        return out;
    }

    /** One answered stream. */
    record Answered(String media, int port, String protocol, int payloadType, String rtpmap, Optional<Integer> eventPt,
                    Optional<String> cryptoLine, String direction) { }

    static String answer(String address, long version, List<Answered> streams) {
        StringBuilder sb = new StringBuilder();
        sb.append("v=0\r\no=gateway 4242 ").append(version).append(" IN IP4 ").append(address).append("\r\n");
        sb.append("s=CVI gateway\r\nc=IN IP4 ").append(address).append("\r\nt=0 0\r\n");
        for (Answered a : streams) {
            sb.append("m=").append(a.media()).append(' ').append(a.port()).append(' ').append(a.protocol());
            if (a.port() == 0) {
                sb.append(" ").append(a.payloadType()).append("\r\n");
                continue;
            }
            sb.append(' ').append(a.payloadType());
            a.eventPt().ifPresent(pt -> sb.append(' ').append(pt));
            sb.append("\r\n");
            sb.append("a=rtpmap:").append(a.payloadType()).append(' ').append(a.rtpmap()).append("\r\n");
            if (a.rtpmap().startsWith("H264")) {
                sb.append("a=fmtp:").append(a.payloadType()).append(" profile-level-id=42e01f;packetization-mode=1\r\n");
            }
            a.eventPt().ifPresent(pt -> sb.append("a=rtpmap:").append(pt).append(" telephone-event/8000\r\n")
                    .append("a=fmtp:").append(pt).append(" 0-16\r\n"));
            a.cryptoLine().ifPresent(c -> sb.append(c).append("\r\n"));
            sb.append("a=").append(a.direction()).append("\r\n");
        }
        return sb.toString();
    }
}
