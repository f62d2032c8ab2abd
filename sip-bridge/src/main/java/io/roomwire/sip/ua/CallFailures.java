package io.roomwire.sip.ua;

import io.roomwire.sip.sdp.NegotiationException;

/** Turns SIP outcomes into sentences for the people in the room. */
public final class CallFailures {

    private CallFailures() {
    }

    /** The message for a final failure response to our INVITE. */
    public static String forStatus(int status) {
        return switch (status) {
            case 400 -> "The gateway could not understand the call request (400)";
            case 401, 407 -> "The gateway asked for a password the room does not have (check sip.password)";
            case 403 -> "The gateway refused the call (403 Forbidden)";
            case 404, 484 -> "The gateway did not accept the meeting ID";
            case 405, 501 -> "The gateway does not take calls this way (" + status + ")";
            case 408 -> "The gateway did not answer in time";
            case 410 -> "The meeting is over (410)";
            case 415 -> "The gateway could not read the room's media offer (415)";
            case 420, 421 -> "The gateway needs a SIP feature the room lacks (" + status + ")";
            case 422 -> "The gateway and the room could not agree on session timers (422)";
            case 480 -> "The meeting is not available right now";
            case 481 -> "The call no longer exists on the gateway (481)";
            case 486, 600 -> "Busy";
            case 487 -> "Call cancelled";
            case 488, 606 -> "No common codec (" + status + ")";
            case 500 -> "The gateway had an internal error (500)";
            case 502 -> "The gateway could not reach the meeting service (502)";
            case 503 -> "The gateway is overloaded or down; try again shortly (503)";
            case 504 -> "The meeting service did not answer the gateway in time (504)";
            case 603 -> "The call was declined";
            case 604 -> "The meeting does not exist";
            default -> status >= 600 ? "The call was refused (" + status + ")"
                    : status >= 500 ? "The gateway failed (" + status + ")"
                    : status >= 400 ? "The call was rejected (" + status + ")"
                    : status >= 300 ? "The call was redirected too often (" + status + ")"
                    : "The call failed (" + status + ")";
        };
    }

    /** The message for an offer/answer failure. */
    public static String forNegotiation(NegotiationException.Reason reason) {
        return switch (reason) {
            case NO_COMMON_CODEC -> "No common codec with the gateway";
            case SRTP_REQUIRED -> "The gateway does not encrypt media and this room requires it (sip.srtp=required)";
            case BAD_CRYPTO -> "The gateway offered encryption keys the room cannot use";
            case MALFORMED -> "The gateway sent a media description the room cannot read";
        };
    }

    /** True for a message {@link #forNegotiation} gives. */
    public static boolean isNegotiation(String message) {
        for (NegotiationException.Reason r : NegotiationException.Reason.values()) {
            if (forNegotiation(r).equals(message)) {
                return true;
            }
        }
        return false;
    }

    public static final String TIMEOUT = "The gateway did not answer (no response)";
    public static final String UNREACHABLE = "Cannot reach the gateway (network or TLS error)";
    public static final String NOT_FOUND = "Cannot find the gateway's address (DNS)";
    public static final String LOST = "The connection to the meeting was lost";
    public static final String SESSION_EXPIRED = "The call ended: the gateway stopped refreshing the session";
    public static final String RING_TIMEOUT = "Nobody answered";
}
