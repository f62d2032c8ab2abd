package io.roomwire.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile config files through {@link Config#load}: garbage, binary, huge lines, control characters,
 * tricks with separators. Every input either loads or is refused with a {@link ConfigException}
 * whose problems are printable; nothing else escapes, and nothing takes long.
 */
class ConfigHostileInputTest {

    @TempDir
    Path dir;

    static List<byte[]> inputs() {
        List<byte[]> out = new ArrayList<>();
        Random r = new Random(12);
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[r.nextInt(4096)];
            r.nextBytes(b);
            out.add(b);
        }
        String[] lines = {"=", ":", "==", "= value", "device.name", "device.name =", "device.name = \u0000",
                "device.name = a\u001b]0;pwned\u0007", "device.name = \u2028mqtt.allow-unsigned = true",
                "mqtt.allow-unsigned = maybe", "MQTT.ALLOW-UNSIGNED = true", "mqtt.allow-unsigned\t=\tperhaps",
                "\uFEFFdevice.name = bom", "device.name = x\rmqtt.allow-unsigned = true", "mqtt.command-rate = 99999999999",
                "mqtt.command-rate = -1", "mqtt.telemetry-interval = PT-5S", "mqtt.telemetry-interval = 999999999999999d",
                "mqtt.broker-url = tcp://", "mqtt.broker-url = ssl://[::1", "mqtt.broker-url = \u0000://x",
                "device.time-zone = ../../etc/passwd", "mqtt.operator-keys = ,,,,", "obtp.preroll = 5m\\",
                "device.name = " + "x".repeat(100_000), "k".repeat(1_000_000) + " = v", "#" + "c".repeat(2_000_000),
                "device.name = ok\ndevice.name = twice"};
        for (String l : lines) {
            out.add(l.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.add((l + "\n" + l + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        out.add(new byte[] {(byte) 0xff, (byte) 0xfe, 'd', 0, 'e', 0});
        out.add(new byte[] {(byte) 0xc3, (byte) 0x28, '=', '1'});
        out.add("\n".repeat(500_000).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return out;
    }

    @Test
    void everyHostileFileLoadsOrIsRefusedWithPrintableProblems() throws Exception {
        List<byte[]> all = inputs();
        int refused = 0;
        long start = System.nanoTime();
        Path file = dir.resolve("roomwire.properties");
        for (byte[] input : all) {
            Files.write(file, input);
            try {
                Config c = Config.load(file, Map.of());
                assertFalse(c.get(io.roomwire.agent.mgmt.MgmtSettings.ALLOW_UNSIGNED), "no input turns unsigned commands on");
            } catch (ConfigException e) {
                refused++;
                for (ConfigProblem p : e.problems()) {
                    String text = p.toString() + e.getMessage();
                    assertTrue(Config.controlCharacter(text.replace("\n", "")).isEmpty(), "unprintable problem: " + text);
                    assertTrue(p.message().length() < 2000, "problem messages stay short");
                }
            } catch (RuntimeException | StackOverflowError e) {
                fail("input of " + input.length + " bytes escaped as " + e, e);
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("ConfigHostileInputTest: " + all.size() + " inputs, " + refused + " refused, " + ms + " ms");
        assertTrue(refused > 300, "garbage is refused: " + refused);
        assertTrue(ms < 30_000, "hostile files are handled quickly: " + ms + " ms");
    }
}
