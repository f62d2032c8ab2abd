package io.roomwire.webrtc.signal;

import io.roomwire.sim.cloud.webrtc.FarEnd;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A far end without media: answers with the offer's m-lines turned into a minimal DTLS answer, records the rest. */
final class ScriptedFarEnd implements FarEnd {

    final List<String> offers = new CopyOnWriteArrayList<>();
    final List<String> candidates = new CopyOnWriteArrayList<>();
    final List<String> closed = new CopyOnWriteArrayList<>();
    final List<String> restarts = new CopyOnWriteArrayList<>();

    @Override
    public String answer(String sessionId, String offerSdp) {
        offers.add(offerSdp);
        StringBuilder b = new StringBuilder("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        for (String line : offerSdp.split("\r\n")) {
            if (line.startsWith("m=")) {
                b.append(line).append("\r\na=setup:passive\r\na=fingerprint:sha-256 AA:BB\r\n");
            }
        }
        return b.toString();
    }

    @Override
    public void addCandidate(String sessionId, String mid, String candidate) {
        candidates.add(mid + " " + candidate);
    }

    /** An ICE restart: the room's new credentials recorded, new ones of the far end's own answered. */
    @Override
    public String restartIce(String sessionId, String ufrag, String pwd) {
        restarts.add(ufrag + " " + pwd);
        return "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                + "a=ice-ufrag:far" + restarts.size() + "\r\na=ice-pwd:farpassword0123456789ab\r\na=mid:0\r\n"
                + "a=candidate:1 1 udp 2122260223 127.0.0.2 41000 typ host\r\n";
    }

    @Override
    public void close(String sessionId) {
        closed.add(sessionId);
    }
}
