package io.roomwire.agent.panel;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Microphone, camera and speaker volume as the room's call screen sets them (for the current call),
 * and when each call connected. Kept by {@link RoomPanel}, which shows them on the call screen and
 * passes them to the codec ({@link #media()}), so they act on what is sent and played.
 */
final class CallControls {

    static final int DEFAULT_VOLUME = 70;
    private static final int VOLUME_STEP = 10;

    private String callId;
    private boolean micMuted;
    private boolean cameraOff;
    private int volume = DEFAULT_VOLUME;
    /** By call id, until the call ends (a second caller may ring while a call is up). */
    private final Map<String, Instant> connectedAt = new HashMap<>();

    /** The current call is a different one than the last: microphone and camera on (volume stays, as a room's would). */
    synchronized void follow(String id) {
        if (!id.equals(callId)) {
            callId = id;
            micMuted = false;
            cameraOff = false;
        }
    }

    synchronized void connected(String id, Instant at) {
        connectedAt.putIfAbsent(id, at);
    }

    synchronized Optional<Instant> connectedAt(String id) {
        return Optional.ofNullable(connectedAt.get(id));
    }

    /** The call ended: whether it had connected. */
    synchronized boolean ended(String id) {
        return connectedAt.remove(id) != null;
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

    /** The controls as the codec applies them. */
    synchronized io.roomwire.hal.Codec.Controls media() {
        return new io.roomwire.hal.Codec.Controls(micMuted, cameraOff, volume);
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
