package io.roomwire.sip;

/** Receives {@link CallEvent}s; runs on a SIP or scheduler thread and must not block. */
@FunctionalInterface
public interface CallListener {
    void onEvent(CallEvent event);
}
