package io.roomwire.hal.linux;

import java.util.Optional;

/**
 * A value read from the host and where from, or why there is none
 * ("/sys/class/dmi/id/product_serial is missing").
 */
record Reading(Optional<String> value, String source, String reason) {

    static Reading of(String value, String source) {
        return new Reading(Optional.of(value), source, "");
    }

    static Reading none(String reason) {
        return new Reading(Optional.empty(), "", reason);
    }

    boolean ok() {
        return value.isPresent();
    }

    String get() {
        return value.orElseThrow(() -> new IllegalStateException(reason));
    }

    /** This reading if it has a value, else {@code next} with both reasons kept. */
    Reading or(java.util.function.Supplier<Reading> next) {
        if (ok()) {
            return this;
        }
        Reading n = next.get();
        return n.ok() ? n : none(reason + "; " + n.reason);
    }
}
