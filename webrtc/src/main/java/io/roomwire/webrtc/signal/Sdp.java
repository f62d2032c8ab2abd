package io.roomwire.webrtc.signal;

import java.util.Optional;

/** Reading single attributes out of SDP text; nothing here rewrites SDP. */
public final class Sdp {

    private Sdp() {
    }

    /** The first {@code a=name:value} in the text. */
    public static Optional<String> attribute(String sdp, String name) {
        if (sdp == null) {
            return Optional.empty();
        }
        for (String line : sdp.split("\r?\n")) {
            if (line.startsWith("a=" + name + ":")) {
                return Optional.of(line.substring(name.length() + 3).strip());
            }
        }
        return Optional.empty();
    }
}
