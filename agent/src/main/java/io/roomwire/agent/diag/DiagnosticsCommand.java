package io.roomwire.agent.diag;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.roomwire.agent.Agent;
import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.device.DeviceFactory;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.PeripheralStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code roomwire diagnostics [--config FILE] [--out DIR] [--json]}: a support bundle collected
 * beside the running service, from what the device shows: the service's state and status line
 * from systemd, its recent journal lines (scrubbed), the configuration (masked), peripherals and
 * network. The last call's media figures are known only inside the running agent: the MQTT
 * command {@code diagnostics.collect} has them.
 */
public final class DiagnosticsCommand implements Cli.Command {

    static final String USAGE = """
            usage: roomwire diagnostics [--config FILE] [--out DIR] [--json]

            Writes a support bundle (zip, mode 0600) to attach to a support case: version, the
            configuration with secrets masked, the service's health (systemd), its recent log lines
            scrubbed of tokens and passwords (journal), peripherals and network. The running agent's
            own bundle, with the last call's media figures, comes from the MQTT command
            diagnostics.collect (docs/mqtt-api.md).
              --config FILE    the configuration (default /etc/roomwire/roomwire.properties when it
                               exists, else the built-in defaults; ROOMWIRE_* overrides apply)
              --out DIR        where to write the bundle (default: the current folder)
              --json           print where it went, its size and SHA-256 as one JSON object
            """;

    /** How long each systemd query may take before the bundle goes on without it. */
    static final long QUERY_SECONDS = 10;

    private final List<String> systemctl;
    private final List<String> journalctl;

    public DiagnosticsCommand() {
        this(List.of("systemctl", "show", "roomwire.service", "--no-pager",
                        "-p", "ActiveState,SubState,Result,NRestarts,ExecMainStatus,ExecMainStartTimestamp,StatusText"),
                List.of("journalctl", "-u", "roomwire.service", "-n", String.valueOf(DiagnosticsBundle.MAX_LOG_LINES),
                        "-o", "short-iso", "--no-pager", "-q"));
    }

    /** With other commands for the service's state and its journal (tests). */
    DiagnosticsCommand(List<String> systemctl, List<String> journalctl) {
        this.systemctl = List.copyOf(systemctl);
        this.journalctl = List.copyOf(journalctl);
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        Args a = Args.parse("diagnostics", words, Set.of("--config", "--out"), Set.of("--json"));
        a.expectPositional("diagnostics", 0, 0, "[--config FILE] [--out DIR] [--json]");
        JsonObject health = new JsonObject();
        Config config;
        try {
            config = Cli.loadConfig(a.option("--config"), io.env());
        } catch (ConfigException e) {
            // A bad config is often why support is called: collect with the defaults and say what is wrong.
            JsonArray problems = new JsonArray();
            for (ConfigProblem p : e.problems()) {
                problems.add(p.source() + ":" + p.line() + ": " + p.key() + ": " + p.message());
            }
            health.add("configProblems", problems);
            try {
                config = Config.defaults(java.util.Map.of());
            } catch (ConfigException impossible) {
                throw new IllegalStateException("the built-in defaults do not validate", impossible);
            }
        }
        Cli.configureLogging(config, io);
        Instant now = Clock.systemUTC().instant();
        Device device = DeviceFactory.create(config, new VirtualScheduler(now));
        String deviceId = Agent.deviceId(config, device);
        health.add("service", serviceState());
        JsonArray peripherals = new JsonArray();
        for (PeripheralStatus p : device.peripherals().status()) {
            JsonObject j = new JsonObject();
            j.addProperty("name", p.name());
            j.addProperty("kind", p.kind());
            j.addProperty("state", p.state().name().toLowerCase(Locale.ROOT));
            j.addProperty("detail", p.detail());
            peripherals.add(j);
        }
        JsonObject lastCall = new JsonObject();
        lastCall.addProperty("note", "known to the running agent only: use the MQTT command diagnostics.collect");
        List<String> logs = output(journalctl).map(t -> t.lines().toList()).orElse(List.of(
                "(no journal: " + String.join(" ", journalctl) + " gave nothing; logs are on the agent's standard error)"));
        DiagnosticsBundle.Contents contents = new DiagnosticsBundle.Contents(deviceId, now, "roomwire diagnostics (CLI)",
                config, health, logs, peripherals, lastCall);
        Path out = Path.of(a.option("--out").orElse("."));
        DiagnosticsBundle.Written w;
        try {
            w = DiagnosticsBundle.write(out, contents);
        } catch (IOException e) {
            io.err().println("roomwire diagnostics: cannot write the bundle in " + out + ": " + e.getMessage()
                    + "; give a writable folder with --out");
            return Cli.FAILED;
        }
        if (a.flag("--json")) {
            JsonObject o = new JsonObject();
            o.addProperty("file", w.file().toString());
            o.addProperty("bytes", w.bytes().length);
            o.addProperty("sha256", w.sha256());
            JsonArray entries = new JsonArray();
            w.entries().forEach(entries::add);
            o.add("entries", entries);
            io.out().println(o);
        } else {
            io.out().println(w.file() + " (" + w.bytes().length + " bytes, sha256 " + w.sha256() + ")");
        }
        return Cli.OK;
    }

    /** {@code systemctl show}'s properties as JSON, or why they are missing. */
    private JsonObject serviceState() {
        JsonObject o = new JsonObject();
        Optional<String> shown = output(systemctl);
        if (shown.isEmpty()) {
            o.addProperty("unavailable", String.join(" ", systemctl) + " gave nothing (no systemd here?)");
            return o;
        }
        shown.get().lines().filter(l -> l.contains("=")).forEach(l -> {
            int eq = l.indexOf('=');
            o.addProperty(l.substring(0, eq), l.substring(eq + 1));
        });
        return o;
    }

    /** A command's standard output when it ran and succeeded within {@value #QUERY_SECONDS} s. */
    private static Optional<String> output(List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return Optional.empty();
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Thread drain = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                // Bounded: never more than the bundle can hold.
                in.transferTo(new java.io.OutputStream() {
                    @Override
                    public void write(int b) {
                        if (buf.size() < 4 * DiagnosticsBundle.MAX_ENTRY_BYTES) {
                            buf.write(b);
                        }
                    }

                    @Override
                    public void write(byte[] b, int off, int len) {
                        int room = 4 * DiagnosticsBundle.MAX_ENTRY_BYTES - buf.size();
                        if (room > 0) {
                            buf.write(b, off, Math.min(room, len));
                        }
                    }
                });
            } catch (IOException e) {
                // The process went away: what was read is kept.
            }
        }, "diagnostics-query");
        drain.setDaemon(true);
        drain.start();
        try {
            if (!p.waitFor(QUERY_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            drain.join(TimeUnit.SECONDS.toMillis(QUERY_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return Optional.empty();
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        return p.exitValue() == 0 && !text.isBlank() ? Optional.of(text) : Optional.empty();
    }
}
