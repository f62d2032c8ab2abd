package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.fail;

import io.roomwire.sip.SipTransport;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs SIPp (Debian {@code sip-tester}) with one of our scenarios on 127.0.0.1, bounded in calls
 * ({@code -m 1}) and time ({@code -timeout}). A missing binary fails the test: install sip-tester.
 */
final class Sipp implements AutoCloseable {

    private final Process process;
    private final Path dir;
    private final int port;

    private Sipp(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    static Path binary() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path p = Path.of(d, "sipp");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("sipp is not installed: install the Debian package sip-tester (apt-get install sip-tester)");
    }

    /** SIPp as the far end of the room's call, listening on a free port. */
    static Sipp uas(String scenario, SipTransport transport) throws IOException {
        return uas(scenario, transport, Duration.ofSeconds(20), List.of(), java.util.Map.of());
    }

    /**
     * SIPp as the far end, with a whole-run bound, extra arguments (e.g. {@code -d} for the
     * scenario's pause) and text put in for each {@code @NAME@} of the scenario (SIPp reads status
     * codes when it loads a scenario, so they cannot be its own [keyword] fields).
     */
    static Sipp uas(String scenario, SipTransport transport, Duration bound, List<String> extra,
                    java.util.Map<String, String> fill) throws IOException {
        int port = freePort(transport);
        Sipp s = start(scenario, transport, port, bound, extra, fill);
        s.awaitListening(transport);
        return s;
    }

    /** SIPp calling the room at {@code roomPort}. */
    static Sipp uac(String scenario, SipTransport transport, int roomPort, String service) throws IOException {
        return start(scenario, transport, freePort(transport), Duration.ofSeconds(20), List.of("-s", service, "127.0.0.1:" + roomPort),
                java.util.Map.of());
    }

    /** SIPp calling the room, with extra arguments and text for each {@code @NAME@} of the scenario. */
    static Sipp uac(String scenario, SipTransport transport, int roomPort, String service, List<String> extra,
                    java.util.Map<String, String> fill) throws IOException {
        List<String> args = new ArrayList<>(List.of("-s", service, "127.0.0.1:" + roomPort));
        args.addAll(extra);
        return start(scenario, transport, freePort(transport), Duration.ofSeconds(20), args, fill);
    }

    private static Sipp start(String scenario, SipTransport transport, int port, Duration bound, List<String> extra,
                              java.util.Map<String, String> fill) throws IOException {
        Path bin = binary();
        Path dir = Files.createTempDirectory("sipp-");
        Path file = dir.resolve(scenario);
        try (InputStream in = Sipp.class.getResourceAsStream("/sipp/" + scenario)) {
            if (in == null) {
                throw new IOException("no scenario " + scenario + " in test resources");
            }
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
            for (java.util.Map.Entry<String, String> e : fill.entrySet()) {
                text = text.replace("@" + e.getKey() + "@", e.getValue());
            }
            Files.writeString(file, text, java.nio.charset.StandardCharsets.ISO_8859_1);
        }
        List<String> cmd = new ArrayList<>(List.of(bin.toString(), "-sf", file.toString(), "-i", "127.0.0.1",
                "-p", Integer.toString(port), "-t", transport == SipTransport.UDP ? "u1" : "t1", "-m", "1",
                "-timeout", bound.toSeconds() + "s", "-timeout_error", "-nostdin", "-trace_err", "-trace_msg",
                "-message_file", dir.resolve("messages.log").toString(),
                "-error_file", dir.resolve("errors.log").toString()));
        cmd.addAll(extra);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("screen.log").toFile()).start();
        return new Sipp(p, dir, port);
    }

    int port() {
        return port;
    }

    /** Waits for SIPp to finish its one call; returns its exit code (0: the scenario passed). */
    int awaitExit(Duration bound) throws InterruptedException {
        if (!process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("SIPp did not finish within " + bound.toSeconds() + " s\n" + log());
        }
        return process.exitValue();
    }

    /** SIPp's errors and message trace, for assertion messages. */
    String log() {
        StringBuilder sb = new StringBuilder();
        for (String f : List.of("errors.log", "messages.log")) {
            try {
                sb.append("---- ").append(f).append('\n').append(Files.readString(dir.resolve(f)));
            } catch (IOException e) {
                sb.append("---- no ").append(f).append('\n');
            }
        }
        String s = sb.toString();
        return s.length() > 12000 ? s.substring(s.length() - 12000) : s;
    }

    private void awaitListening(SipTransport transport) throws IOException {
        String table = transport == SipTransport.UDP ? "/proc/net/udp" : "/proc/net/tcp";
        String hexPort = String.format(Locale.ROOT, ":%04X", port);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                fail("SIPp exited at start (" + process.exitValue() + ")\n" + log() + screen());
            }
            try (Stream<String> lines = Files.lines(Path.of(table))) {
                if (lines.anyMatch(l -> l.trim().split("\\s+").length > 3 && l.trim().split("\\s+")[1].endsWith(hexPort)
                        && (transport == SipTransport.UDP || l.trim().split("\\s+")[3].equals("0A")))) {
                    return;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
        }
        fail("SIPp did not listen on " + port + "\n" + screen());
    }

    private String screen() {
        try {
            return Files.readString(dir.resolve("screen.log"));
        } catch (IOException e) {
            return "";
        }
    }

    static int freePort(SipTransport t) throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        if (t == SipTransport.UDP) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(lo, 0))) {
                return s.getLocalPort();
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, lo)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
