package io.roomwire.image.ab;

import io.roomwire.updater.SlotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Optional;

/**
 * Stands in for the agent of one build in a slot (started by the real launcher): logs its version stamp, reports a
 * rollback the launcher left, then behaves as its slot's {@code behaviour} file says: ok (commit the trial),
 * crash (exit 3 before committing), unhealthy (fail the trial's health check), or hang (run on without committing or failing); a
 * {@code hold} file in the prefix makes any build wait to be killed.
 */
public final class SlotProgram {

    private SlotProgram() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("roomwire.home"));
        Path slot = Path.of(System.getProperty("java.class.path").split(":")[0]).getParent().getParent();
        String version = Files.readString(slot.resolve("VERSION")).strip();
        String behaviour = Files.exists(slot.resolve("behaviour")) ? Files.readString(slot.resolve("behaviour")).strip() : "ok";
        SlotStore slots = new SlotStore(home);
        Optional<Map<String, String>> rolledBack = slots.takeRolledBack();
        rolledBack.ifPresent(r -> log(home, "update.rolled_back version=" + r.get("version") + " reason=" + r.get("reason")));
        log(home, "started " + version + " in slot " + slots.currentSlot() + " " + behaviour);
        // the WebRTC library the launcher put on the class path, when one is there (AbDevice#withWebRtc marks it)
        try (java.io.InputStream in = SlotProgram.class.getClassLoader().getResourceAsStream(AbDevice.WEBRTC_MARK)) {
            if (in != null) {
                log(home, "webrtc " + new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip());
            }
        }
        switch (behaviour) {
            case "crash" -> System.exit(3);
            case "hang" -> waitToBeKilled(); // runs on, never commits nor fails its trial
            case "unhealthy" -> {
                if (slots.trial().isPresent()) {
                    slots.failTrial("broker not reached");
                }
                System.exit(1);
            }
            default -> {
            }
        }
        if (Files.exists(home.resolve("hold"))) {
            log(home, "holding " + version);
            Files.writeString(home.resolve("held"), version);
            waitToBeKilled();
        }
        if (slots.trial().isPresent()) {
            slots.commit();
            log(home, "committed " + version);
        }
        System.exit(0);
    }

    /** Blocks until the process is killed (no time involved: the test or the launcher ends it). */
    private static void waitToBeKilled() throws InterruptedException {
        new java.util.concurrent.CountDownLatch(1).await();
    }

    static void log(Path home, String line) {
        try {
            Files.writeString(home.resolve("boot.log"), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
