package io.roomwire.sip.sdp;

/** A session description that cannot be parsed or negotiated; the message names the line or the missing part. */
public final class SdpException extends Exception {

    private static final long serialVersionUID = 1L;

    public SdpException(String message) {
        super(message);
    }
}
