package io.roomwire.sip.sdp;

import java.util.Locale;

/** Stream direction attribute: {@code a=sendrecv|sendonly|recvonly|inactive}. */
public enum Direction {
    SENDRECV, SENDONLY, RECVONLY, INACTIVE;

    public String attribute() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What we answer to a far end that offers this direction. */
    public Direction reverse() {
        return switch (this) {
            case SENDONLY -> RECVONLY;
            case RECVONLY -> SENDONLY;
            default -> this;
        };
    }

    /** Hold means the far end will not send to us (RFC 3264 section 8.4). */
    public boolean isHold() {
        return this == SENDONLY || this == INACTIVE;
    }

    static Direction fromAttribute(String a) {
        for (Direction d : values()) {
            if (d.attribute().equals(a)) {
                return d;
            }
        }
        return null;
    }
}
