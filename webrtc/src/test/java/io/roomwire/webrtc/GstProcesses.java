package io.roomwire.webrtc;

import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;

/** The gst-launch-1.0 processes this JVM runs: to see a capture start with a call and end with it. */
final class GstProcesses {

    private GstProcesses() {
    }

    static Set<Long> running() {
        return ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("/gst-launch-1.0"))
                .map(ProcessHandle::pid).collect(Collectors.toCollection(HashSet::new));
    }

    static Set<Long> startedSince(Set<Long> before) {
        Set<Long> now = running();
        now.removeAll(before);
        return now;
    }
}
