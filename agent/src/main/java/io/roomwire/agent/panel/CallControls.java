package io.roomwire.agent.panel;

import java.time.Instant;
import java.util.Optional;

/**
 * Microphone, camera and speaker volume as the room's call screen sets them, and when the call
 * connected. Kept per call by {@link RoomPanel}; they are shown on the call screen but do not yet
 * reach the media (the codec has no mute, camera or volume control).
 */
final class CallControls {

    static final int DEFAULT_VOLUME = 70;
    private static final int VOLUME_STEP = 10;

    private String callId;
    private boolean micMuted;
    private boolean cameraOff;
    private int volume = DEFAULT_VOLUME;
    private Instant connectedAt;

    /** A different call than the last: microphone on, camera on, not connected (volume stays, as a room's would). */
    synchronized void follow(String id) {
        if (!id.equals(callId)) {
            callId = id;
            micMuted = false;
            cameraOff = false;
            connectedAt = null;
        }
    }

    synchronized void connected(Instant at) {
        if (connectedAt == null) {
            connectedAt = at;
        }
    }

    synchronized boolean wasConnected() {
        return connectedAt != null;
    }

    synchronized Optional<Instant> connectedAt() {
        return Optional.ofNullable(connectedAt);
    }

    synchronized boolean micMuted() {
        return micMuted;
    }

    synchronized boolean cameraOff() {
        return cameraOff;
    }

    synchronized int volume() {
        return volume;
    }

    synchronized void toggleMic() {
        micMuted = !micMuted;
    }

    synchronized void toggleCamera() {
        cameraOff = !cameraOff;
    }

    synchronized void volumeDown() {
        volume = Math.max(0, volume - VOLUME_STEP);
    }

    synchronized void volumeUp() {
        volume = Math.min(100, volume + VOLUME_STEP);
    }
}
