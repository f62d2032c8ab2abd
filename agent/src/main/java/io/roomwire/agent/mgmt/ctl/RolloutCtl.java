package io.roomwire.agent.mgmt.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.mgmt.CommandSigner;
import io.roomwire.agent.mgmt.ManagementService;
import io.roomwire.agent.mgmt.MessageProperties;
import io.roomwire.agent.mgmt.MqttTransport;
import io.roomwire.core.time.Durations;
import io.roomwire.core.time.Scheduler;
import io.roomwire.updater.Rollout;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * {@code roomwire ctl rollout}: {@code update.apply} to the fleet in waves ({@link Rollout}), each device judged by
 * what its update came to, not by the command's reply. An installed update is only good once the new slot booted on
 * trial and committed: the device then reports {@code update.committed} on its event topic; a trial the launcher
 * rolled back shows as {@code update.rolled_back} from the old slot (docs/updates.md). So the event topics are
 * subscribed before anything is sent, and a device succeeds on {@code update.committed} of the version its reply (or
 * {@code update.installed}) named, and fails on an error reply, {@code update.refused}, {@code update.rolled_back},
 * silence for {@code replyTimeout}, or no outcome within {@code commitTimeout} of the command.
 */
final class RolloutCtl {

    private final MqttTransport transport;
    private final Scheduler bounds;
    private final Supplier<Instant> now;
    private final Optional<CommandSigner> signer;
    private final JsonObject args;
    private final Duration replyTimeout;
    private final Duration commitTimeout;
    private final Optional<PrintStream> progress;
    private final String replyTopic = ManagementService.REPLY_PREFIX + "rollout-"
            + CommandSigner.newNonce().replace('-', 'x').replace('_', 'y');
    /** Devices tried so far, by id and by the correlation data of their command. */
    private final Map<String, DeviceUpdate> byDevice = new ConcurrentHashMap<>();
    private final Map<String, DeviceUpdate> byCorrelation = new ConcurrentHashMap<>();

    /**
     * @param bounds   runs the reply and commit bounds (tests drive a virtual one)
     * @param now      the time commands are signed with (the devices check it against their clocks)
     * @param progress where "installed, waiting for the commit" lines go (none for --json)
     */
    RolloutCtl(MqttTransport transport, Scheduler bounds, Supplier<Instant> now, Optional<CommandSigner> signer, JsonObject args,
               Duration replyTimeout, Duration commitTimeout, Optional<PrintStream> progress) {
        this.transport = transport;
        this.bounds = bounds;
        this.now = now;
        this.signer = signer;
        this.args = args;
        this.replyTimeout = replyTimeout;
        this.commitTimeout = commitTimeout;
        this.progress = progress;
    }

    /** Subscribes to the replies and to every device's events; returns once the broker has the subscriptions. */
    void listen(List<String> devices, Duration timeout) throws InterruptedException, ExecutionException, TimeoutException {
        transport.subscribe(replyTopic, 1, m -> m.properties().correlationData()
                .map(c -> byCorrelation.get(new String(c, StandardCharsets.UTF_8)))
                .ifPresent(d -> d.reply(m.payloadText())));
        for (String device : devices) {
            transport.subscribe(ManagementService.eventsTopic(device), 1, m -> {
                DeviceUpdate d = byDevice.get(device);
                if (d != null) { // a device not tried yet: its events are not about this rollout
                    d.event(m.payloadText());
                }
            });
        }
        // the subscriptions are in place once this QoS 1 round trip is done (same connection, in order)
        transport.publish(replyTopic, new byte[0], 1, false, MessageProperties.none()).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Sends {@code update.apply} to {@code device}; completes with its outcome. */
    CompletableFuture<Rollout.Outcome> attempt(String device) {
        String corr = CommandSigner.newNonce();
        DeviceUpdate d = new DeviceUpdate(device);
        byDevice.put(device, d);
        byCorrelation.put(corr, d);
        d.done.whenComplete((o, e) -> byCorrelation.remove(corr));
        d.bound(bounds.schedule(replyTimeout, () -> d.failIfSilent()), bounds.schedule(commitTimeout, () -> d.failUndecided()));
        JsonObject payload = signer.map(s -> s.sign("update.apply", device, args, now.get().plusSeconds(60), CommandSigner.newNonce()))
                .orElse(args);
        transport.publish(ManagementService.commandTopic(device, "update.apply"), payload.toString().getBytes(StandardCharsets.UTF_8),
                        // a 60 s message expiry: the broker drops the command rather than deliver it stale (mqtt.unsigned-max-age)
                        1, false, MessageProperties.request(replyTopic, corr.getBytes(StandardCharsets.UTF_8)).withExpiry(60))
                .whenComplete((x, e) -> {
                    if (e != null) {
                        d.fail("not sent (" + (e.getCause() != null ? e.getCause() : e).getMessage() + ")");
                    }
                });
        return d.done;
    }

    /** Remote text made safe for the terminal: control characters out, bounded. */
    static String clean(String s) {
        String c = s.replaceAll("\\p{Cntrl}", "?");
        return c.length() <= 300 ? c : c.substring(0, 299) + "~";
    }

    /** The outcomes as one JSON document (--json). */
    static JsonObject json(Rollout.Result r) {
        JsonObject o = new JsonObject();
        JsonArray outcomes = new JsonArray();
        r.outcomes().forEach(x -> {
            JsonObject j = new JsonObject();
            j.addProperty("device", x.device());
            j.addProperty("ok", x.succeeded());
            j.addProperty("detail", x.detail());
            outcomes.add(j);
        });
        o.add("outcomes", outcomes);
        JsonArray notTried = new JsonArray();
        r.notTried().forEach(notTried::add);
        o.add("notTried", notTried);
        o.addProperty("stopped", r.stoppedBecause());
        return o;
    }

    /** One device's update as its reply and events tell it; decided once. */
    private final class DeviceUpdate {
        final String device;
        final CompletableFuture<Rollout.Outcome> done = new CompletableFuture<>();
        /** The version this rollout installs on the device, from its reply or {@code update.installed}. */
        private Optional<String> version = Optional.empty();
        private boolean heard;
        private final Map<String, String> committed = new HashMap<>(); // version -> slot
        private final Map<String, String> rolledBack = new HashMap<>(); // version -> reason
        private Scheduler.Cancellable silence;
        private Scheduler.Cancellable commit;

        DeviceUpdate(String device) {
            this.device = device;
        }

        synchronized void bound(Scheduler.Cancellable silence, Scheduler.Cancellable commit) {
            this.silence = silence;
            this.commit = commit;
            if (done.isDone()) {
                cancelBounds();
            }
        }

        void reply(String text) {
            JsonObject r;
            try {
                r = JsonParser.parseString(text).getAsJsonObject();
            } catch (RuntimeException e) {
                fail("unreadable reply (" + e.getMessage() + ")");
                return;
            }
            synchronized (this) {
                heard = true;
                if (!(r.has("ok") && r.get("ok").getAsBoolean())) {
                    JsonObject e = r.has("error") && r.get("error").isJsonObject() ? r.getAsJsonObject("error") : new JsonObject();
                    fail(FleetCtl.text(e, "code") + " (" + FleetCtl.text(e, "message") + ")");
                    return;
                }
                JsonObject result = r.has("result") && r.get("result").isJsonObject() ? r.getAsJsonObject("result") : new JsonObject();
                if (!"installed".equals(FleetCtl.text(result, "state"))) {
                    fail("unexpected reply " + clean(result.toString()));
                    return;
                }
                installed(FleetCtl.text(result, "version"), FleetCtl.text(result, "slot"));
            }
        }

        void event(String text) {
            JsonObject e;
            try {
                e = JsonParser.parseString(text).getAsJsonObject();
            } catch (RuntimeException notOurs) {
                return; // not an event of ours: it says nothing about the update
            }
            String type = FleetCtl.text(e, "type");
            if (!type.startsWith("update.")) {
                return;
            }
            JsonObject a = e.has("attributes") && e.get("attributes").isJsonObject() ? e.getAsJsonObject("attributes") : new JsonObject();
            synchronized (this) {
                heard = true;
                switch (type) {
                    case "update.installed" -> installed(FleetCtl.text(a, "version"), FleetCtl.text(a, "slot"));
                    case "update.refused" -> fail("refused (" + FleetCtl.text(a, "reason") + ": " + FleetCtl.text(a, "message") + ")");
                    case "update.committed" -> committed.put(FleetCtl.text(a, "version"), FleetCtl.text(a, "slot"));
                    case "update.rolled_back" -> rolledBack.put(FleetCtl.text(a, "version"), FleetCtl.text(a, "reason"));
                    default -> { } // update.progress: alive and working
                }
                decide();
            }
        }

        private void installed(String v, String slot) {
            if (version.isEmpty()) {
                version = Optional.of(v);
                progress.ifPresent(p -> p.println(clean(device + ": installed " + v + " in slot " + slot
                        + "; waiting for its trial to commit")));
            }
            decide();
        }

        /** Committed or rolled back, for the version this rollout installed (other versions' events are old news). */
        private void decide() {
            version.ifPresent(v -> {
                if (committed.containsKey(v)) {
                    finish(Rollout.Outcome.succeeded(device, clean("committed " + v + " in slot " + committed.get(v))));
                } else if (rolledBack.containsKey(v)) {
                    String reason = rolledBack.get(v);
                    fail("rolled back (" + (reason.equals("-") || reason.isBlank() ? "no reason given" : reason) + ")");
                }
            });
        }

        synchronized void failIfSilent() {
            if (!heard) {
                fail("no reply within " + Durations.human(replyTimeout) + " (is it online? try: roomwire ctl ... fleet)");
            }
        }

        synchronized void failUndecided() {
            fail("no update.committed within " + Durations.human(commitTimeout) + version
                    .map(v -> " (installed " + v + "; still on trial, or its restart waits for the room)")
                    .orElse(" (no installed reply)"));
        }

        void fail(String why) {
            finish(Rollout.Outcome.failed(device, clean(why)));
        }

        private synchronized void finish(Rollout.Outcome o) {
            if (done.complete(o)) {
                cancelBounds();
            }
        }

        private void cancelBounds() {
            if (silence != null) {
                silence.cancel();
            }
            if (commit != null) {
                commit.cancel();
            }
        }
    }
}
