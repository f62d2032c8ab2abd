package io.roomwire.webrtc.internal;

import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsReport;
import dev.onvoid.webrtc.RTCStatsType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A call's ICE candidates as getStats reports them (W3C webrtc-stats local-candidate, candidate-pair,
 * transport): what the room gathered and which pair carries the media.
 *
 * @param local          every local candidate gathered
 * @param selectedLocal  the local side of the transport's selected pair, once ICE has selected one
 * @param selectedRemote its remote side
 */
public record IceCandidates(List<Candidate> local, Optional<Candidate> selectedLocal, Optional<Candidate> selectedRemote) {

    /**
     * One candidate: {@code type} host, srflx, prflx or relay (RFC 8445 §5.1.1), protocol udp or tcp; for a relay
     * candidate {@code relayProtocol} is how the room reaches its TURN server (udp, tcp or tls), else empty.
     */
    public record Candidate(String type, String protocol, String address, int port, String relayProtocol) {
        @Override
        public String toString() {
            return type + " " + protocol + " " + address + ":" + port + (relayProtocol.isEmpty() ? "" : " via TURN/" + relayProtocol);
        }
    }

    public IceCandidates {
        local = List.copyOf(local);
    }

    static IceCandidates from(RTCStatsReport report) {
        Map<String, RTCStats> all = report.getStats();
        List<Candidate> local = new ArrayList<>();
        String selectedPair = null;
        for (RTCStats s : all.values()) {
            if (s.getType() == RTCStatsType.LOCAL_CANDIDATE) {
                local.add(candidate(s));
            } else if (s.getType() == RTCStatsType.TRANSPORT && s.getAttributes().get("selectedCandidatePairId") != null) {
                selectedPair = String.valueOf(s.getAttributes().get("selectedCandidatePairId"));
            }
        }
        RTCStats pair = selectedPair == null ? null : all.get(selectedPair);
        if (pair == null) {
            return new IceCandidates(local, Optional.empty(), Optional.empty());
        }
        return new IceCandidates(local, side(all, pair, "localCandidateId"), side(all, pair, "remoteCandidateId"));
    }

    private static Optional<Candidate> side(Map<String, RTCStats> all, RTCStats pair, String attribute) {
        return Optional.ofNullable(all.get(String.valueOf(pair.getAttributes().get(attribute)))).map(IceCandidates::candidate);
    }

    private static Candidate candidate(RTCStats s) {
        Map<String, Object> a = s.getAttributes();
        Object address = a.get("address") != null ? a.get("address") : a.get("ip");
        return new Candidate(String.valueOf(a.get("candidateType")), String.valueOf(a.get("protocol")), String.valueOf(address),
                a.get("port") instanceof Number n ? n.intValue() : 0, a.get("relayProtocol") == null ? "" : String.valueOf(a.get("relayProtocol")));
    }
}
