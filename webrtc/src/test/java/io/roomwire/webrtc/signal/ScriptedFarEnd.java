package io.roomwire.webrtc.signal;

import io.roomwire.sim.cloud.webrtc.FarEnd;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A far end without media: answers with the offer's m-lines turned into a minimal DTLS answer, records the rest. */
final class ScriptedFarEnd implements FarEnd {

    final List<String> offers = new CopyOnWriteArrayList<>();
    final List<String> candidates = new CopyOnWriteArrayList<>();
    final List<String> closed = new CopyOnWriteArrayList<>();

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

    @Override
    public void close(String sessionId) {
        closed.add(sessionId);
    }
}
