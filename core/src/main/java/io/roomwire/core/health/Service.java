package io.roomwire.core.health;

import java.util.List;

/**
 * A part of the agent with a lifecycle. The agent starts services in dependency order, stops them
 * in reverse, and retries a service whose start failed, without stopping the others.
 */
public interface Service {

    /** A short, stable name: {@code calendar}, {@code sip}, {@code mqtt}. */
    String name();

    /** Names of services that must be started before this one. */
    default List<String> dependsOn() {
        return List.of();
    }

    /**
     * Names of services whose start this one waits for when they are configured, without needing them
     * up: a failed start there does not hold this one (the calendar after sign-in has loaded its tokens).
     */
    default List<String> startsAfter() {
        return List.of();
    }

    /** Starts the service; throws when it cannot start (it will be retried with back-off). */
    void start() throws Exception;

    /** Stops the service and releases its threads and sockets; must be idempotent. */
    void stop() throws Exception;

    /** Current health; called often, must be cheap and never block on I/O. */
    Health health();
}
