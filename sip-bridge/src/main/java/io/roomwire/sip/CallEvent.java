package io.roomwire.sip;

/** What a {@link JoinPath} reports about its calls. */
public sealed interface CallEvent {

    Call call();

    /** The call moved to a new state; {@code message} is what the panel may show ("Ringing..."). */
    record StateChanged(Call call, CallState state, String message) implements CallEvent { }

    /** Someone is calling the room. */
    record Incoming(Call call) implements CallEvent { }

    /** Periodic media counters while the call is up. */
    record Media(Call call, MediaStats stats) implements CallEvent { }

    /** No media arrived for the configured window: the call may be silent. */
    record NoMedia(Call call, java.time.Duration silentFor) implements CallEvent { }

    /** The call ended; {@link CallEnd#message()} is room-friendly. */
    record Ended(Call call, CallEnd end) implements CallEvent { }
}
