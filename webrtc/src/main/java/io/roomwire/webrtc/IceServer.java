package io.roomwire.webrtc;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A STUN or TURN server for ICE (RFC 8445 §5.1.1), e.g. {@code turn:turn.example.com:3478?transport=udp}.
 *
 * @param credential the TURN password; never logged
 */
public record IceServer(List<String> urls, Optional<String> username, Optional<String> credential) {

    public IceServer {
        urls = List.copyOf(urls);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(credential, "credential");
        for (String u : urls) {
            if (!u.startsWith("stun:") && !u.startsWith("stuns:") && !u.startsWith("turn:") && !u.startsWith("turns:")) {
                throw new IllegalArgumentException("an ICE server URL starts with stun:, stuns:, turn: or turns:, got '" + u + "'");
            }
            if (u.startsWith("turn") && (username.isEmpty() || credential.isEmpty())) {
                throw new IllegalArgumentException("TURN server " + u + " needs a username and a credential (RFC 8656 §9.2)");
            }
        }
    }

    /**
     * Parses {@code url[|url...]} optionally prefixed by {@code user:password@} for TURN, e.g.
     * {@code room7:s3cret@turn:turn.example.com:3478} (the user ends at the first ':', the password at the last '@').
     */
    public static IceServer parse(String spec) {
        String s = spec.strip();
        int at = s.lastIndexOf('@');
        if (at > 0 && s.substring(0, at).contains(":")) {
            String userPass = s.substring(0, at);
            int colon = userPass.indexOf(':');
            return new IceServer(List.of(s.substring(at + 1).split("\\|")),
                    Optional.of(userPass.substring(0, colon)), Optional.of(userPass.substring(colon + 1)));
        }
        return new IceServer(List.of(s.split("\\|")), Optional.empty(), Optional.empty());
    }

    @Override
    public String toString() {
        return "IceServer" + urls + username.map(u -> " as " + u).orElse("");
    }
}
