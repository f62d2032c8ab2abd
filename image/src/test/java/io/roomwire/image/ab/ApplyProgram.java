package io.roomwire.image.ab;

import io.roomwire.core.time.Backoff;
import io.roomwire.updater.DeviceIdentity;
import io.roomwire.updater.Downloader;
import io.roomwire.updater.SlotStore;
import io.roomwire.updater.TrustStore;
import io.roomwire.updater.Updater;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * What {@code roomwire update apply} runs, in its own process so a test can kill -9 it: args are the install
 * prefix, a bundle file or http URL, and the phase to stop at (download, verify, unpack, switch, or none).
 * At that phase it writes {@code stopped-<phase>} and waits to be killed.
 */
public final class ApplyProgram {

    private ApplyProgram() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        String source = args[1];
        String stopAt = args[2];
        SlotStore slots = new SlotStore(home);
        Downloader downloader = new Downloader(HttpClient.newHttpClient(), new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1)),
                d -> Thread.sleep(d.toMillis()), 3, Duration.ofSeconds(60));
        Updater updater = new Updater(slots, new TrustStore(home.resolve("root.json")), new DeviceIdentity("rw-100", "x86_64", "0"),
                Clock.systemUTC(), downloader, new Updater.Settings(3, Duration.ofMinutes(5), 256L << 20, 256L << 20),
                Updater.freeSpaceOf(home));
        Updater.Progress progress = (phase, done, total) -> {
            boolean midDownload = phase.equals("download") && total > 0 && done > total / 2;
            if (phase.equals(stopAt) && (!phase.equals("download") || midDownload)) {
                try {
                    Files.writeString(home.resolve("stopped-" + phase), Long.toString(done));
                    Thread.sleep(Long.MAX_VALUE);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        if (source.startsWith("http")) {
            updater.apply(URI.create(source), Optional.empty(), progress);
        } else {
            updater.apply(Path.of(source), progress);
        }
        System.exit(0);
    }
}
