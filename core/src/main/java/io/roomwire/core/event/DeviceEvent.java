package io.roomwire.core.event;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened on the device that operators care about: {@code call.started},
 * {@code button.shown}, {@code enrollment.changed}, {@code compliance.changed}, {@code error}.
 * Attributes are plain strings, numbers or booleans so that every sink can serialise them.
 */
public record DeviceEvent(String type, Instant time, Map<String, Object> attributes) {

    public DeviceEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        attributes = Map.copyOf(attributes);
    }

    public static DeviceEvent of(String type, Instant time, Object... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            if (keyValues[i + 1] != null) {
                m.put((String) keyValues[i], keyValues[i + 1]);
            }
        }
        return new DeviceEvent(type, time, m);
    }
}
