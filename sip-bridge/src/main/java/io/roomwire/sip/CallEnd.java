package io.roomwire.sip;

import java.util.Objects;

/**
 * How a call ended.
 *
 * @param by      who ended it
 * @param status  the SIP status that ended it (0 when no response, e.g. a local hang-up or a timeout)
 * @param message a sentence for the people in the room ("Busy", "The gateway did not accept the meeting ID")
 * @param detail  technical detail for logs and {@code roomwire dial --json} (status line, exception)
 */
public record CallEnd(EndedBy by, int status, String message, String detail) {

    public enum EndedBy { LOCAL, REMOTE, NETWORK }

    public CallEnd {
        Objects.requireNonNull(by, "by");
        Objects.requireNonNull(message, "message");
        detail = detail == null ? "" : detail;
    }

    /** True when the call had been connected and then was hung up by either side normally. */
    public boolean normal() {
        return status == 0 || status == 200;
    }
}
