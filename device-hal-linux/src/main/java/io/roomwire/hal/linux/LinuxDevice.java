package io.roomwire.hal.linux;

import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.sim.SimTouchPanel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.tinylog.Logger;

/**
 * A Linux room PC: device facts and peripherals from the host's files below {@code root}, checked
 * again every poll interval on the scheduler (hot-plug and posture changes). Media still runs in
 * GStreamer ({@link GstCodec}) from the camera and the default audio devices; its state is one more
 * line of the peripherals' status, so a pipeline error or a missing element reaches health.
 */
public final class LinuxDevice {

    /**
     * @param pollInterval how often peripherals and posture are read again
     * @param sshIsDebug   whether an enabled or running SSH server counts as debug mode
     * @param agentDebug   whether the agent logs at debug or trace (counts as debug mode)
     */
    public record Options(Duration pollInterval, boolean sshIsDebug, boolean agentDebug) {
        public Options {
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (pollInterval.isZero() || pollInterval.isNegative()) {
                throw new IllegalArgumentException("poll interval must be positive: " + pollInterval);
            }
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(5), true, false);
        }
    }

    private LinuxDevice() {
    }

    /**
     * Reads the host once now and then every poll interval; events go to {@code events}. Logs
     * nothing itself until the first poll, so the caller can set logging up first.
     */
    public static Device create(Path root, Scheduler scheduler, EventSink events, Options options) {
        HostFiles files = new HostFiles(root);
        LinuxDeviceInfo info = new LinuxDeviceInfo(files, options.sshIsDebug(), options.agentDebug());
        LinuxPeripherals peripherals = new LinuxPeripherals(files, events, scheduler.clock());
        scheduler.scheduleAtFixedRate(options.pollInterval(), options.pollInterval(), () -> {
            try {
                peripherals.poll();
                info.refresh();
            } catch (RuntimeException e) {
                // one bad read must not end the polling: the next tick looks again
                Logger.warn(e, "Reading the hardware under {} failed; trying again in {}", root, options.pollInterval());
            }
        });
        String videoDevice = peripherals.camera().map(c -> "/dev/" + c.id()).orElse("/dev/video0");
        GstCodec codec = GstCodec.devices(videoDevice);
        peripherals.mediaEngine(codec::status);
        return new Device(info, new LinuxCamera(peripherals), codec, new SimTouchPanel(), peripherals);
    }
}
