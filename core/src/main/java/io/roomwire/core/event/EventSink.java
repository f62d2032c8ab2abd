package io.roomwire.core.event;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Where components report {@link DeviceEvent}s; the management channel publishes them. */
@FunctionalInterface
public interface EventSink {

    void emit(DeviceEvent event);

    /** A sink that drops everything (for tools that have no management channel). */
    static EventSink none() {
        return e -> { };
    }

    /** A sink that fans out to listeners added later; listeners must not block. */
    final class Hub implements EventSink {
        private final List<EventSink> listeners = new CopyOnWriteArrayList<>();

        public void subscribe(EventSink listener) {
            listeners.add(listener);
        }

        public void unsubscribe(EventSink listener) {
            listeners.remove(listener);
        }

        @Override
        public void emit(DeviceEvent event) {
            for (EventSink l : listeners) {
                try {
                    l.emit(event);
                } catch (RuntimeException e) {
                    org.tinylog.Logger.warn(e, "Event listener failed on {}", event.type());
                }
            }
        }
    }
}
