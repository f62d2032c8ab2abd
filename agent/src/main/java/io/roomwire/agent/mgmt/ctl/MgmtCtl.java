package io.roomwire.agent.mgmt.ctl;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.roomwire.agent.config.SettingType;
import io.roomwire.agent.mgmt.CommandSigner;
import io.roomwire.agent.mgmt.ManagementService;
import io.roomwire.agent.mgmt.MessageProperties;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.agent.mgmt.MqttTransportOptions;
import io.roomwire.agent.mgmt.TlsMaterial;
import io.roomwire.agent.mgmt.paho.PahoMqttTransport;
import io.roomwire.core.time.Durations;
import io.roomwire.core.time.Scheduler;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.updater.Rollout;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The operator CLI, {@code roomwire ctl}: sends one command to a device over MQTT 5
 * request/response and prints the reply, or lists the fleet's retained statuses. Exit codes:
 * 0 ok, 1 the device answered with an error, 2 bad usage, 3 broker unreachable or no reply in time.
 */
public final class MgmtCtl {

    public static final String USAGE = String.join("\n",
            "usage: roomwire ctl --broker URL [--cafile F] [--cert F --key F] [--username U] [--password-file F]",
            "                    [--sign-key F] [--timeout 10s] [--json] --device ID <command> [key=value ...] [--args JSON]",
            "       roomwire ctl --broker URL [...] fleet [--health H,...] [--devices GLOB] [--wait 2s] [--json]",
            "                    [--send COMMAND [key=value ...] [--wave 100] [--in-flight 50]]",
            "       roomwire ctl --broker URL [...] --sign-key F rollout --devices A,B,... [--canary 10] [--max-failure 0.2]",
            "                    [--commit-timeout 10m] [--in-flight 50] url=https://.../bundle.rwu sha256=HEX",
            "                    update.apply to the fleet in waves, each room judged by its commit (docs/updates.md)",
            "",
            "Sends one command to a room over MQTT 5 and prints its reply, or lists the fleet (docs/mqtt-api.md).",
            "Exit 0 ok, 1 the room answered with an error, 2 bad command line, 3 broker unreachable or no reply.",
            "  --broker URL         tcp://host:1883 or ssl://host:8883",
            "  --cafile F           CA certificates (PEM) that the broker's certificate must chain to",
            "  --cert F --key F     client certificate and key (PEM) for mutual TLS",
            "  --username U         MQTT user name; --password-file F reads its password from F",
            "  --sign-key F         sign every command with this operator key (see below)",
            "  --device ID          the room to send the command to",
            "  --args JSON          command arguments as one JSON object (added to key=value pairs)",
            "  --timeout DURATION   how long to wait to connect and for the reply (default 10s); rollout: a room that",
            "                       neither answers nor reports progress within it fails",
            "  --wait DURATION      fleet: the longest to wait for the retained statuses (default 2s; done as soon as all came)",
            "  --health H,...       fleet: only rooms that are healthy, degraded, down or offline",
            "  --devices GLOB       fleet: only rooms whose id matches (e.g. 'RW-B2-*')",
            "  --send COMMAND       fleet: send COMMAND (key=value arguments follow) to every selected room",
            "  --wave N             fleet --send: rooms per wave; a wave starts when the previous one answered (default 100)",
            "  --in-flight N        fleet --send, rollout: at most N rooms awaiting a reply (or a commit) at once (default 50)",
            "  --devices A,B,...    rollout: the rooms, in order; the first --canary percent (at least one) go first",
            "  --canary PERCENT     rollout: the first wave's share, 1..100 (default 10); each later wave doubles",
            "  --max-failure RATE   rollout: stop after a wave whose failed share is above RATE, 0..1 (default 0.2)",
            "  --commit-timeout D   rollout: a room whose update neither committed nor rolled back within D of the",
            "                       command fails (default 10m: the download, the restart and update.trial-timeout 3m)",
            "  --json               the reply (or the fleet, or the rollout's outcomes) as JSON",
            "",
            "commands: status.get, config.get [keys=a,b], config.set key=value..., call.dial target=URI, call.hangup,",
            "          call.dtmf digits=123#, obtp.list, obtp.explain meeting=ID, calendar.sync, enroll.start [rekey=true],",
            "          logs.get [lines=200], device.reboot [force=true], selftest (and any command a feature adds)",
            "values: true/false become booleans, whole numbers become numbers, the rest is text.",
            "--sign-key signs every command (ECDSA P-256 or Ed25519 PEM); devices with mqtt.operator-keys require it",
            "for config.set, call.*, enroll.start, logs.get and device.reboot.");

    private final Optional<Scheduler> bounds;

    public MgmtCtl() {
        this.bounds = Optional.empty();
    }

    /** A CLI whose rollout bounds (--timeout, --commit-timeout) run on {@code bounds}: tests drive a virtual one. */
    public MgmtCtl(Scheduler bounds) {
        this.bounds = Optional.of(bounds);
    }

    /** Runs the CLI with {@code args} (the words after {@code ctl}); returns the exit code. */
    public int run(List<String> args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("roomwire ctl: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o.help) {
            out.println(USAGE);
            return 0;
        }
        try (SystemScheduler scheduler = new SystemScheduler(1)) {
            MqttTransport t;
            try {
                t = transport(o, scheduler);
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                err.println("roomwire ctl: " + e.getMessage());
                return 2;
            }
            try {
                CountDownLatch up = new CountDownLatch(1);
                t.addConnectionListener(new MqttTransport.ConnectionListener() {
                    @Override
                    public void connected(boolean sessionPresent) {
                        up.countDown();
                    }

                    @Override
                    public void connectionLost(String reason) {
                    }
                });
                t.connect();
                if (!up.await(o.timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    err.println("roomwire ctl: cannot connect to " + o.broker + " within " + Durations.human(o.timeout) + ": "
                            + t.stats().lastError() + " (check --broker, --cafile, --cert/--key and the broker ACL)");
                    return 3;
                }
                if (o.rollout) {
                    return rollout(o, t, scheduler, out, err);
                }
                return o.fleet ? fleet(o, t, out, err) : command(o, t, scheduler, out, err);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 3;
            } finally {
                t.disconnect();
            }
        }
    }

    private static MqttTransport transport(Options o, SystemScheduler scheduler) throws IOException, GeneralSecurityException {
        String clientId = "roomwire-ctl-" + CommandSigner.newNonce().substring(0, 10).replace('-', 'x').replace('_', 'y');
        MqttTransportOptions.Builder b = MqttTransportOptions.builder(o.broker, clientId)
                .sessionExpiry(Duration.ZERO)
                .reconnect(Duration.ofMillis(200), Duration.ofSeconds(2));
        if (o.cert != null || o.cafile != null) {
            b.tls(TlsMaterial.fromFiles(o.cafile, o.cert, o.key));
        }
        if (o.username != null) {
            b.username(o.username);
        }
        if (o.passwordFile != null) {
            b.password(Files.readString(o.passwordFile).strip().getBytes(StandardCharsets.UTF_8));
        }
        return new PahoMqttTransport(b.build(), scheduler);
    }

    /**
     * update.apply to each device, wave after wave, each device judged by its commit or rollback (RolloutCtl), stopping
     * when a wave fails too often (io.roomwire.updater.Rollout).
     */
    private int rollout(Options o, MqttTransport t, SystemScheduler scheduler, PrintStream out, PrintStream err)
            throws InterruptedException {
        Optional<CommandSigner> signer = Optional.empty();
        if (o.signKey != null) {
            try {
                signer = Optional.of(CommandSigner.fromPem(Files.readString(o.signKey), o.signKey.toString()));
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                err.println("roomwire ctl: cannot sign with " + o.signKey + ": " + e.getMessage());
                return 2;
            }
        }
        RolloutCtl ctl = new RolloutCtl(t, bounds.orElse(scheduler), scheduler::now, signer, o.args, o.timeout, o.commitTimeout,
                o.json ? Optional.empty() : Optional.of(out));
        try {
            ctl.listen(o.rolloutDevices, o.timeout);
        } catch (ExecutionException | TimeoutException e) {
            err.println("roomwire ctl: cannot subscribe to the rooms' events at " + o.broker + ": " + e.getMessage());
            return 3;
        }
        Rollout.Result r = new Rollout(o.rolloutDevices, o.canary, o.maxFailure, o.inFlight).run(ctl::attempt, outcome -> {
            if (!o.json) {
                out.println(outcome.device() + ": " + outcome.detail());
            }
        });
        if (o.json) {
            out.println(RolloutCtl.json(r));
        } else {
            out.println("rollout: " + r.updated().size() + " committed, " + r.failed().size() + " failed, " + r.notTried().size()
                    + " not tried" + (r.completed() ? "" : "; stopped: " + r.stoppedBecause()));
        }
        return r.completed() && r.failed().isEmpty() ? 0 : 1;
    }

    private int command(Options o, MqttTransport t, SystemScheduler scheduler, PrintStream out, PrintStream err)
            throws InterruptedException {
        JsonObject payload = o.args;
        if (o.signKey != null) {
            try {
                CommandSigner signer = CommandSigner.fromPem(Files.readString(o.signKey), o.signKey.toString());
                payload = signer.sign(o.command, o.device, o.args, scheduler.now().plusSeconds(60), CommandSigner.newNonce());
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                err.println("roomwire ctl: cannot sign with " + o.signKey + ": " + e.getMessage());
                return 2;
            }
        }
        String replyTopic = "roomwire/v1/reply/" + CommandSigner.newNonce().replace('-', 'x').replace('_', 'y');
        byte[] corr = CommandSigner.newNonce().getBytes(StandardCharsets.UTF_8);
        List<JsonObject> parts = new ArrayList<>();
        CompletableFuture<JsonObject> done = new CompletableFuture<>();
        t.subscribe(replyTopic, 1, m -> {
            if (!java.util.Arrays.equals(corr, m.properties().correlationData().orElse(null))) {
                return;
            }
            try {
                JsonObject r = JsonParser.parseString(m.payloadText()).getAsJsonObject();
                synchronized (parts) {
                    parts.add(r);
                    int count = r.has("chunk") ? r.getAsJsonObject("chunk").get("count").getAsInt() : 1;
                    if (parts.size() >= count) {
                        done.complete(join(parts));
                    }
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(new IOException("unreadable reply: " + e.getMessage()));
            }
        });
        // the subscription is in place once this QoS 1 round trip is done (same connection, in order)
        String topic = ManagementService.commandTopic(o.device, o.command);
        try {
            t.publish(replyTopic, new byte[0], 1, false, MessageProperties.none()).get(o.timeout.toMillis(), TimeUnit.MILLISECONDS);
            t.publish(topic, payload.toString().getBytes(StandardCharsets.UTF_8), 1, false,
                    // a 60 s message expiry: the broker drops the command rather than deliver it stale (mqtt.unsigned-max-age)
                    MessageProperties.request(replyTopic, corr).withExpiry(60)).get(o.timeout.toMillis(), TimeUnit.MILLISECONDS);
            JsonObject reply = done.get(o.timeout.toMillis(), TimeUnit.MILLISECONDS);
            boolean ok = reply.has("ok") && reply.get("ok").getAsBoolean();
            if (o.json) {
                out.println(reply);
            } else if (ok) {
                printResult(o.command, reply.get("result"), out);
            } else {
                JsonObject e = reply.getAsJsonObject("error");
                err.println(o.device + ": " + e.get("code").getAsString() + ": " + e.get("message").getAsString());
            }
            return ok ? 0 : 1;
        } catch (TimeoutException e) {
            err.println("roomwire ctl: no reply from " + o.device + " within " + Durations.human(o.timeout)
                    + " (is it online? try: roomwire ctl ... fleet)");
            return 3;
        } catch (ExecutionException e) {
            err.println("roomwire ctl: " + e.getCause().getMessage());
            return 3;
        }
    }

    private static JsonObject join(List<JsonObject> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        List<JsonObject> sorted = new ArrayList<>(parts);
        sorted.sort(java.util.Comparator.comparingInt(p -> p.getAsJsonObject("chunk").get("index").getAsInt()));
        JsonObject out = sorted.get(0).deepCopy();
        out.remove("chunk");
        JsonObject result = out.getAsJsonObject("result");
        for (String k : result.keySet()) {
            if (result.get(k).isJsonArray()) {
                JsonArray all = new JsonArray();
                sorted.forEach(p -> all.addAll(p.getAsJsonObject("result").getAsJsonArray(k)));
                result.add(k, all);
            }
        }
        return out;
    }

    private static void printResult(String command, JsonElement result, PrintStream out) {
        if (command.equals("logs.get") && result.isJsonObject() && result.getAsJsonObject().has("lines")) {
            result.getAsJsonObject().getAsJsonArray("lines").forEach(l -> out.println(l.getAsString()));
        } else {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(result));
        }
    }

    private int fleet(Options o, MqttTransport t, PrintStream out, PrintStream err) throws InterruptedException {
        java.util.Map<String, JsonObject> selected = FleetCtl.select(FleetCtl.collect(t, o.wait), o.healths,
                java.util.Optional.ofNullable(o.devices));
        if (o.command == null) {
            if (o.json) {
                FleetCtl.printJson(selected, out);
            } else {
                FleetCtl.printTable(selected, java.time.Instant.now(), out);
            }
            return 0;
        }
        java.util.Optional<CommandSigner> signer = java.util.Optional.empty();
        if (o.signKey != null) {
            try {
                signer = java.util.Optional.of(CommandSigner.fromPem(Files.readString(o.signKey), o.signKey.toString()));
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                err.println("roomwire ctl: cannot sign with " + o.signKey + ": " + e.getMessage());
                return 2;
            }
        }
        // offline rooms would only time out: a command goes to connected rooms
        List<String> devices = selected.entrySet().stream()
                .filter(e -> FleetCtl.RoomHealth.of(e.getValue()) != FleetCtl.RoomHealth.OFFLINE)
                .map(java.util.Map.Entry::getKey).toList();
        return FleetCtl.printOutcomes(FleetCtl.fanOut(t, devices, o.command, o.args, signer, o.wave, o.inFlight,
                o.timeout), o.json, out);
    }

    /** Parsed command line. */
    static final class Options {
        URI broker;
        Path cafile;
        Path cert;
        Path key;
        Path signKey;
        Path passwordFile;
        String username;
        String device;
        String command;
        boolean fleet;
        boolean rollout;
        /** rollout: the rooms, in order (--devices A,B,...). */
        List<String> rolloutDevices = List.of();
        int canary = 10;
        double maxFailure = 0.2;
        Duration commitTimeout = Duration.ofMinutes(10);
        /** --canary, --max-failure or --commit-timeout given: they go with rollout only. */
        boolean rolloutOptions;
        boolean json;
        boolean help;
        Duration timeout = Duration.ofSeconds(10);
        Duration wait = Duration.ofSeconds(2);
        JsonObject args = new JsonObject();
        java.util.Set<FleetCtl.RoomHealth> healths = java.util.EnumSet.noneOf(FleetCtl.RoomHealth.class);
        String devices;
        int wave = 100;
        int inFlight = 50;

        static Options parse(List<String> a) {
            Options o = new Options();
            List<String> rest = new ArrayList<>();
            String send = null;
            for (int i = 0; i < a.size(); i++) {
                String w = a.get(i);
                switch (w) {
                    case "-h", "--help" -> o.help = true;
                    case "--json" -> o.json = true;
                    case "--broker" -> o.broker = SettingType.URI_TYPE.parse(value(a, ++i, w));
                    case "--cafile" -> o.cafile = Path.of(value(a, ++i, w));
                    case "--cert" -> o.cert = Path.of(value(a, ++i, w));
                    case "--key" -> o.key = Path.of(value(a, ++i, w));
                    case "--sign-key" -> o.signKey = Path.of(value(a, ++i, w));
                    case "--username" -> o.username = value(a, ++i, w);
                    case "--password-file" -> o.passwordFile = Path.of(value(a, ++i, w));
                    case "--device" -> o.device = value(a, ++i, w);
                    case "--canary" -> {
                        o.canary = positive(value(a, ++i, w), w);
                        if (o.canary > 100) {
                            throw new IllegalArgumentException("--canary is a percentage, 1..100, not " + o.canary);
                        }
                        o.rolloutOptions = true;
                    }
                    case "--max-failure" -> {
                        o.maxFailure = rate(value(a, ++i, w), w);
                        o.rolloutOptions = true;
                    }
                    case "--commit-timeout" -> {
                        o.commitTimeout = Durations.parse(value(a, ++i, w));
                        o.rolloutOptions = true;
                    }
                    case "--timeout" -> o.timeout = Durations.parse(value(a, ++i, w));
                    case "--wait" -> o.wait = Durations.parse(value(a, ++i, w));
                    // fleet takes a glob, rollout a comma-separated list of rooms
                    case "--devices" -> o.devices = value(a, ++i, w);
                    case "--send" -> send = value(a, ++i, w);
                    case "--wave" -> o.wave = positive(value(a, ++i, w), w);
                    case "--in-flight" -> o.inFlight = positive(value(a, ++i, w), w);
                    case "--health" -> {
                        for (String h : value(a, ++i, w).split(",")) {
                            try {
                                o.healths.add(FleetCtl.RoomHealth.valueOf(h.strip().toUpperCase(java.util.Locale.ROOT)));
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException("--health takes healthy, degraded, down or offline, not '"
                                        + h.strip() + "'");
                            }
                        }
                    }
                    case "--args" -> {
                        try {
                            JsonElement e = JsonParser.parseString(value(a, ++i, w));
                            if (!e.isJsonObject()) {
                                throw new IllegalArgumentException("--args must be a JSON object");
                            }
                            e.getAsJsonObject().entrySet().forEach(en -> o.args.add(en.getKey(), en.getValue()));
                        } catch (JsonParseException ex) {
                            throw new IllegalArgumentException("--args is not valid JSON: " + ex.getMessage());
                        }
                    }
                    default -> {
                        if (w.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + w);
                        }
                        rest.add(w);
                    }
                }
            }
            if (o.help) {
                return o;
            }
            if (o.broker == null) {
                throw new IllegalArgumentException("--broker is required (e.g. ssl://mqtt.contoso.com:8883)");
            }
            if ((o.cert == null) != (o.key == null)) {
                throw new IllegalArgumentException("--cert and --key go together");
            }
            if (rest.isEmpty()) {
                throw new IllegalArgumentException("which command? (or 'fleet')");
            }
            List<String> words = rest;
            if (rest.get(0).equals("fleet")) {
                o.fleet = true;
                if (send == null) {
                    if (rest.size() > 1) {
                        throw new IllegalArgumentException("fleet takes no arguments (to send a command: --send COMMAND key=value ...)");
                    }
                    return o;
                }
                words = new ArrayList<>(rest);
                words.set(0, send);
            } else if (send != null) {
                throw new IllegalArgumentException("--send goes with fleet");
            }
            o.command = words.get(0);
            if (o.command.equals("rollout")) {
                o.rollout = true;
                o.command = "update.apply";
                if (o.devices == null || o.devices.isBlank()) {
                    throw new IllegalArgumentException("rollout needs --devices A,B,...");
                }
                List<String> ids = java.util.Arrays.stream(o.devices.split(",", -1)).map(String::strip).toList();
                if (ids.contains("")) {
                    throw new IllegalArgumentException("--devices has an empty name in '" + o.devices + "'");
                }
                if (new java.util.HashSet<>(ids).size() != ids.size()) {
                    throw new IllegalArgumentException("--devices names a room twice in '" + o.devices + "'");
                }
                o.rolloutDevices = ids;
                o.device = ids.get(0);
            } else if (o.rolloutOptions) {
                throw new IllegalArgumentException("--canary, --max-failure and --commit-timeout go with rollout");
            }
            if (o.device == null && !o.fleet) {
                throw new IllegalArgumentException("--device is required for " + o.command);
            }
            for (String kv : words.subList(1, words.size())) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected key=value, got '" + kv + "'");
                }
                String k = kv.substring(0, eq);
                String v = kv.substring(eq + 1);
                if (k.equals("keys") && o.command.equals("config.get")) {
                    JsonArray keys = new JsonArray();
                    for (String s : v.split(",")) {
                        keys.add(s.strip());
                    }
                    o.args.add(k, keys);
                } else if (o.command.equals("config.set")) {
                    o.args.addProperty(k, v); // settings are text, exactly as in the config file
                } else if (v.equals("true") || v.equals("false")) {
                    o.args.addProperty(k, Boolean.parseBoolean(v));
                } else if (v.matches("-?\\d{1,9}")) {
                    o.args.addProperty(k, Integer.parseInt(v));
                } else {
                    o.args.addProperty(k, v);
                }
            }
            if (o.rollout && (!o.args.has("url") || !o.args.has("sha256"))) {
                throw new IllegalArgumentException("rollout needs url=https://.../bundle.rwu and sha256=HEX (the bundle file's"
                        + " SHA-256, printed by roomwire update make-bundle)");
            }
            return o;
        }

        private static double rate(String v, String option) {
            try {
                double r = Double.parseDouble(v);
                if (r >= 0 && r <= 1) {
                    return r;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " is a share of a wave's rooms, 0..1 (0.2 is 20%), not '" + v + "'");
        }

        private static int positive(String v, String option) {
            try {
                int n = Integer.parseInt(v);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(option + " needs a whole number above 0, not '" + v + "'");
        }

        private static String value(List<String> a, int i, String option) {
            if (i >= a.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return a.get(i);
        }
    }
}
