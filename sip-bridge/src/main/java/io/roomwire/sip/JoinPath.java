package io.roomwire.sip;

import java.util.List;

/**
 * One way into a meeting: SIP through an interop gateway, or WebRTC. Small on purpose (like
 * Californium's {@code Connector}): start, stop, dial, listen.
 */
public interface JoinPath extends AutoCloseable {

    /** Opens sockets and threads; calls and registrations start working after this. */
    void start() throws Exception;

    /** Ends every call (BYE/CANCEL), unregisters, and releases every thread and socket. Idempotent. */
    void stop();

    /** Whether this path can dial the target (a SIP path takes SIP and SIP_IVR). */
    boolean supports(JoinTarget target);

    /**
     * Places a call. Returns at once with a handle in state DIALING; failures arrive as
     * {@link CallEvent.Ended} with a room-friendly message.
     *
     * @throws IllegalArgumentException when the target is not for this path or its URI is malformed
     * @throws IllegalStateException when the path is not started
     */
    Call dial(JoinTarget target);

    /** Calls not yet ended. */
    List<Call> calls();

    void addListener(CallListener listener);

    void removeListener(CallListener listener);

    @Override
    default void close() {
        stop();
    }
}
