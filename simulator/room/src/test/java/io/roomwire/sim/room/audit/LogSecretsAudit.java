package io.roomwire.sim.room.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Greps every log the test suite wrote (each module's {@code target/surefire-reports/*-output.txt},
 * where surefire keeps what tinylog and the tests printed, and any {@code target/**.log}) for the
 * secrets the tests use: the fixed test passwords, and anything shaped like a bearer token, a JWT,
 * a refresh token or a private key. Runs in its own surefire execution of the last module, after
 * every other module's tests (the reactor root comes from {@code roomwire.root}).
 */
class LogSecretsAudit {

    /** Secrets the tests and the simulated cloud use verbatim. */
    static final List<String> KNOWN = List.of("hunter2", "s3cr3t-value", "s3cret", "pw-7", "graph-hostile-test-token",
            "rt.hostile", "at.hostile");

    /** Shapes a secret has whatever its value. */
    static final List<Pattern> SHAPES = List.of(
            Pattern.compile("eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
            Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
            Pattern.compile("(?i)bearer [A-Za-z0-9._~+/-]{16,}"),
            Pattern.compile("(?i)refresh_token\"?\\s*[:=]\\s*\"?[A-Za-z0-9._~+/-]{12,}"),
            Pattern.compile("(?i)(sip|mqtt)\\.password\\s*=\\s*(?!\\*\\*\\*)[^\\s,;]+"));

    private static Path root() {
        return Path.of(System.getProperty("roomwire.root", "../..")).toAbsolutePath().normalize();
    }

    static List<Path> logs(Path root) {
        try (Stream<Path> s = Files.walk(root, 8)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().contains("/.git/") && !p.toString().contains("/node_modules/"))
                    .filter(p -> {
                        String f = p.toString();
                        return f.contains("/target/") && (f.contains("/surefire-reports/") && f.endsWith("-output.txt")
                                || f.contains("/failsafe-reports/") && f.endsWith("-output.txt") || f.endsWith(".log"));
                    })
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every place a secret shows, as "file:line: what" with the value itself masked. */
    static List<String> findings(List<Path> files, Path root) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            List<String> lines = Files.readAllLines(f, StandardCharsets.ISO_8859_1);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                for (String k : KNOWN) {
                    if (line.contains(k)) {
                        out.add(root.relativize(f) + ":" + (i + 1) + ": test secret " + k.charAt(0) + "***");
                    }
                }
                for (Pattern p : SHAPES) {
                    Matcher m = p.matcher(line);
                    if (m.find()) {
                        out.add(root.relativize(f) + ":" + (i + 1) + ": " + p.pattern().substring(0, Math.min(24, p.pattern().length()))
                                + "... at column " + (m.start() + 1));
                    }
                }
            }
        }
        return out;
    }

    @Test
    void noSecretTheTestsUsedAppearsInAnyLogTheSuiteWrote() throws IOException {
        Path root = root();
        List<Path> files = logs(root);
        long modules = files.stream().map(p -> root.relativize(p).getName(0)).distinct().count();
        assertTrue(files.size() > 0, "no test logs under " + root + ": run this after the other modules' tests "
                + "(mvn verify from the root), or set -Droomwire.root");
        List<String> found = findings(files, root);
        System.out.println("log secrets audit: " + files.size() + " log files from " + modules + " top-level folders, "
                + found.size() + " secrets found");
        assertEquals(List.of(), found.size() > 50 ? found.subList(0, 50) : found, "secrets in test logs");
    }

    @Test
    void theAuditFindsWhatItLooksFor() throws IOException {
        Path dir = Files.createTempDirectory("audit");
        Path log = Files.createDirectories(dir.resolve("m/target/surefire-reports")).resolve("X-output.txt");
        Files.writeString(log, "ok line\nmqtt.password = hunter2\nAuthorization: Bearer abcdefghijklmnopqrstuvwxyz\n"
                + "sip.password = ***\n-----BEGIN EC PRIVATE KEY-----\n");
        List<String> found = findings(logs(dir), dir);
        assertEquals(4, found.size(), found.toString());
        assertTrue(found.get(0).startsWith("m/target/surefire-reports/X-output.txt:2: test secret h***"), found.toString());
    }
}
