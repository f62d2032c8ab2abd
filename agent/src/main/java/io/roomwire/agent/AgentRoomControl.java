package io.roomwire.agent;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.mgmt.CommandException;
import io.roomwire.agent.mgmt.RoomControl;
import io.roomwire.agent.obtp.Agenda;
import io.roomwire.agent.obtp.AgendaItem;
import io.roomwire.agent.obtp.JoinButton;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.agent.obtp.ObtpExplain;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.health.Health;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.Codec;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.hal.MediaKind;
import io.roomwire.hal.PeripheralStatus;
import io.roomwire.provisioning.AccessTokens;
import io.roomwire.provisioning.entra.TokenManager;
import io.roomwire.provisioning.mdm.ComplianceReport;
import io.roomwire.sip.Call;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** Remote management's view of the agent: every command of the MQTT API lands here. */
final class AgentRoomControl implements RoomControl {

    private final Scheduler scheduler;
    private final Device device;
    private final Supplier<Map<String, Health>> health;
    private final SignIn signIn;
    private final Calls calls;
    private final MeetingRoom meetings;
    private final DeviceManagement mdm;
    private final Optional<Path> configFile;
    private final Consumer<String> rebooter;
    private final List<Consumer<Config>> applied = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Config config;

    /** @param health every service's health, from the lifecycle (read only when a command asks) */
    AgentRoomControl(Config config, Scheduler scheduler, Device device, Supplier<Map<String, Health>> health,
                     SignIn signIn, Calls calls, MeetingRoom meetings, DeviceManagement mdm,
                     Optional<Path> configFile, Consumer<String> rebooter) {
        this.scheduler = scheduler;
        this.device = device;
        this.health = health;
        this.signIn = signIn;
        this.calls = calls;
        this.meetings = meetings;
        this.mdm = mdm;
        this.configFile = configFile;
        this.rebooter = rebooter;
        this.config = config;
    }

    @Override
    public JsonObject status() {
        JsonObject o = new JsonObject();
        JsonObject call = new JsonObject();
        Optional<Call> c = calls.current();
        call.addProperty("state", c.map(x -> x.state().name().toLowerCase(java.util.Locale.ROOT)).orElse("idle"));
        c.ifPresent(x -> {
            call.addProperty("target", x.target().uri());
            call.addProperty("remote", x.remoteName());
        });
        calls.lastEnd().ifPresent(e -> call.addProperty("lastEnd", e));
        o.add("call", call);
        o.addProperty("activity", calls.activity());
        Optional<Agenda> agenda = meetings.obtp().agenda();
        agenda.flatMap(a -> a.today().stream().filter(i -> i.state() != AgendaItem.State.ENDED).findFirst())
                .ifPresent(i -> o.add("nextMeeting", item(i)));
        JsonArray buttons = new JsonArray();
        agenda.ifPresent(a -> a.buttons().forEach(b -> buttons.add(button(b))));
        o.add("buttons", buttons);
        JsonObject enrollment = new JsonObject();
        signIn.tokens().ifPresentOrElse(t -> {
            enrollment.addProperty("state", t.enrollment().state().name().toLowerCase(java.util.Locale.ROOT));
            t.account().ifPresent(a -> enrollment.addProperty("account", a.toString()));
        }, () -> enrollment.addProperty("state", "not_configured"));
        o.add("enrollment", enrollment);
        JsonObject compliance = new JsonObject();
        mdm.service().ifPresentOrElse(m -> {
            ComplianceReport r = m.compliance();
            // the state operators read (ctl fleet, docs/mqtt-api.md); the flag and reasons stay for older readers
            compliance.addProperty("state", r.compliant() ? "compliant" : "non_compliant");
            compliance.addProperty("compliant", r.compliant());
            compliance.addProperty("reasons", r.reasons());
            compliance.addProperty("enrolled", m.enrollment().isPresent());
        }, () -> compliance.addProperty("state", "not_configured"));
        o.add("compliance", compliance);
        o.add("hardware", hardware(device.info()));
        return o;
    }

    /** What the hardware says of itself, with the reason for each fact it could not read. */
    static JsonObject hardware(DeviceInfo d) {
        JsonObject h = new JsonObject();
        h.addProperty("serial", d.serialNumber());
        h.addProperty("manufacturer", d.manufacturer());
        h.addProperty("model", d.model());
        h.addProperty("firmware", d.firmwareVersion());
        h.addProperty("hardwareVersion", d.hardwareVersion());
        h.addProperty("os", d.osEdition());
        h.addProperty("mac", d.macAddress());
        h.addProperty("storageEncrypted", d.storageEncrypted());
        h.addProperty("secureBoot", d.secureBoot());
        h.addProperty("debug", d.debugEnabled());
        if (!d.unknownReasons().isEmpty()) {
            JsonObject u = new JsonObject();
            d.unknownReasons().forEach(u::addProperty);
            h.add("unknown", u);
        }
        return h;
    }

    @Override
    public JsonObject telemetry() {
        JsonObject o = new JsonObject();
        meetings.calendar().flatMap(cal -> cal.lastSync()).ifPresent(t ->
                o.addProperty("calendarSyncAgeSeconds", Duration.between(t, scheduler.now()).toSeconds()));
        calls.current().ifPresent(c -> o.add("call", quality(c.stats())));
        JsonArray peripherals = new JsonArray();
        for (PeripheralStatus p : device.peripherals().status()) {
            JsonObject j = new JsonObject();
            j.addProperty("name", p.name());
            j.addProperty("state", p.state().name().toLowerCase(java.util.Locale.ROOT));
            j.addProperty("detail", p.detail());
            peripherals.add(j);
        }
        o.add("peripherals", peripherals);
        return o;
    }

    @Override
    public JsonObject lastCall() {
        JsonObject o = new JsonObject();
        calls.lastCall().ifPresent(c -> {
            o.addProperty("call", c.id());
            o.addProperty("target", c.target());
            o.addProperty("endedAt", c.endedAt().toString());
            o.addProperty("reason", c.reason());
            o.addProperty("packetsSent", c.stats().packetsSent());
            o.addProperty("packetsReceived", c.stats().packetsReceived());
            o.add("streams", quality(c.stats()));
        });
        return o;
    }

    private static JsonObject quality(MediaStats s) {
        JsonObject q = new JsonObject();
        s.streams().forEach((kind, st) -> {
            JsonObject j = new JsonObject();
            j.addProperty("packetsSent", st.packetsSent());
            j.addProperty("packetsReceived", st.packetsReceived());
            j.addProperty("packetsLost", st.packetsLost());
            j.addProperty("jitterMs", st.jitterMillis());
            j.addProperty("bytesReceived", st.bytesReceived());
            st.roundTrip().ifPresent(r -> j.addProperty("roundTripMs", r.toMillis()));
            j.addProperty("srtp", st.secure());
            if (kind == io.roomwire.hal.MediaKind.AUDIO && st.packetsReceived() > 0) {
                j.addProperty("estimatedMos", Math.round(st.estimatedMos() * 100) / 100.0);
            }
            MediaStats.Playout p = st.playout();
            if (kind == io.roomwire.hal.MediaKind.VIDEO) {
                j.addProperty("framesDecoded", p.framesDecoded());
                j.addProperty("frameRate", p.frameRate());
                j.addProperty("width", p.width());
                j.addProperty("height", p.height());
                j.addProperty("freezes", p.freezes());
                j.addProperty("frozenMs", p.frozen().toMillis());
            }
            p.audioLevelDbov().ifPresent(l -> j.addProperty("audioLevelDbov", Math.round(l * 10) / 10.0));
            q.add(kind.name().toLowerCase(java.util.Locale.ROOT), j);
        });
        return q;
    }

    @Override
    public Map<String, Health> health() {
        return health.get();
    }

    @Override
    public boolean inCall() {
        return calls.inCall();
    }

    @Override
    public CompletionStage<JsonElement> dial(String target) throws CommandException {
        List<JoinTarget> targets = resolve(target);
        JoinTarget t = targets.get(0);
        try {
            Call c = calls.join(t, targets.subList(1, targets.size()));
            JsonObject o = new JsonObject();
            o.addProperty("call", c.id());
            o.addProperty("target", t.uri());
            o.addProperty("kind", t.kind().wireName());
            return CompletableFuture.completedFuture(o);
        } catch (IllegalStateException e) {
            throw CommandException.busy(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw CommandException.badRequest("target", e.getMessage());
        }
    }

    /**
     * A meeting key or button id from obtp.list dials that meeting's button (its target, then its fallbacks);
     * otherwise a SIP URI.
     */
    private List<JoinTarget> resolve(String target) throws CommandException {
        Optional<JoinButton> b = meetings.obtp().agenda()
                .flatMap(a -> a.buttons().stream().filter(x -> x.id().equals(target) || x.meetingKey().equals(target))
                        .findFirst());
        if (b.isPresent()) {
            List<JoinTarget> all = new java.util.ArrayList<>(List.of(b.get().target()));
            all.addAll(b.get().fallbacks());
            return all;
        }
        if (target.matches("sips?:[^\\s]{3,256}")) {
            return List.of(JoinTarget.sip(target, "sip", "mqtt"));
        }
        throw CommandException.badRequest("target", "expected a sip:/sips: URI or a meeting id from obtp.list, got '"
                + (target.length() > 80 ? target.substring(0, 80) + "..." : target) + "'");
    }

    @Override
    public CompletionStage<JsonElement> hangup() {
        JsonObject o = new JsonObject();
        Optional<Call> c = calls.current();
        c.ifPresent(Call::hangUp);
        o.addProperty("ended", c.map(Call::id).orElse(null));
        o.addProperty("wasInCall", c.isPresent());
        return CompletableFuture.completedFuture(o);
    }

    @Override
    public JsonElement dtmf(String digits) throws CommandException {
        if (!digits.matches("[0-9*#A-Da-d]{1,64}")) {
            throw CommandException.badRequest("digits", "only 0-9, *, #, A-D (at most 64)");
        }
        Call c = calls.current().filter(x -> x.state().isLive())
                .orElseThrow(() -> CommandException.busy("no call is connected"));
        c.sendDtmf(digits);
        JsonObject o = new JsonObject();
        o.addProperty("sent", digits);
        return o;
    }

    @Override
    public JsonElement obtpList() {
        JsonArray out = new JsonArray();
        meetings.obtp().agenda()
                .ifPresent(a -> a.today().forEach(i -> out.add(item(i))));
        return out;
    }

    private static JsonObject item(AgendaItem i) {
        JsonObject j = new JsonObject();
        j.addProperty("meeting", i.meetingKey());
        j.addProperty("title", i.title());
        j.addProperty("organizer", i.organizer());
        j.addProperty("start", i.start().toString());
        j.addProperty("end", i.end().toString());
        j.addProperty("state", i.state().name().toLowerCase(java.util.Locale.ROOT));
        i.button().ifPresent(b -> j.add("button", button(b)));
        JsonArray reasons = new JsonArray();
        i.reasons().forEach(r -> reasons.add(r.toString()));
        j.add("reasons", reasons);
        return j;
    }

    private static JsonObject button(JoinButton b) {
        JsonObject j = new JsonObject();
        j.addProperty("id", b.id());
        j.addProperty("meeting", b.meetingKey());
        j.addProperty("label", b.label());
        j.addProperty("kind", b.target().kind().wireName());
        j.addProperty("provider", b.target().provider());
        j.addProperty("from", b.from().toString());
        j.addProperty("until", b.until().toString());
        return j;
    }

    @Override
    public JsonElement obtpExplain(String meetingId) throws CommandException {
        MeetingInvite m = meetings.calendar().flatMap(c -> c.meetings().stream()
                        .filter(x -> x.id().equals(meetingId) || meetingId.startsWith(x.id())).findFirst())
                .orElseThrow(() -> CommandException.badRequest("meeting", "no meeting " + meetingId
                        + " in the room's calendar (see obtp.list)"));
        ObtpExplain explain = new ObtpExplain(ObtpSettings.forRoom(config), config.get(AgentSettings.TIME_ZONE));
        return ObtpExplain.toJson(explain.explain(m, Optional.of(scheduler.now())));
    }

    @Override
    public CompletionStage<JsonElement> calendarSync() throws CommandException {
        var cal = meetings.calendar().orElseThrow(() -> CommandException.badRequest("calendar",
                "the calendar is off: set calendar.mailbox and sign the room in"));
        return cal.syncNow().thenApply(r -> {
            JsonObject o = new JsonObject();
            o.addProperty("report", r.toString());
            o.addProperty("meetings", cal.meetings().size());
            return o;
        });
    }

    @Override
    public CompletionStage<JsonElement> enrollStart(boolean rekey) throws CommandException {
        if (rekey) {
            throw CommandException.badRequest("rekey", "re-keying is local only: run 'roomwire enroll --rekey' on the device");
        }
        AccessTokens t = signIn.tokens().orElseThrow(() -> CommandException.badRequest("enrollment",
                "sign-in is not configured: set entra.tenant and entra.client-id"));
        if (t instanceof TokenManager m) {
            m.reenroll("requested by an operator");
        }
        JsonObject o = new JsonObject();
        o.addProperty("started", true);
        o.addProperty("message", "a new sign-in code is shown on the room's panel");
        return CompletableFuture.completedFuture(o);
    }

    @Override
    public CompletionStage<JsonElement> selftest() {
        JsonObject o = new JsonObject();
        o.addProperty("camera", device.camera().healthy() ? "ok" : "camera not responding");
        String codec;
        try (Codec.MediaSession s = device.codec().open(List.of(
                new Codec.StreamPlan(MediaKind.AUDIO, 0, "PCMU", 8000, null)))) {
            codec = s.localPorts().containsKey(MediaKind.AUDIO) ? "ok" : "no audio port";
        } catch (IOException | RuntimeException e) {
            codec = "cannot open media: " + e.getMessage();
        }
        o.addProperty("codec", codec);
        o.addProperty("panel", device.panel().current().isPresent() ? "ok" : "nothing shown");
        JsonObject services = new JsonObject();
        health.get().forEach((k, v) -> services.addProperty(k, v.toString()));
        o.add("services", services);
        o.addProperty("ok", device.camera().healthy() && "ok".equals(codec)
                && health.get().values().stream().noneMatch(h -> h.state() == Health.State.DOWN));
        return CompletableFuture.completedFuture(o);
    }

    @Override
    public void reboot(String reason) {
        rebooter.accept(reason);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public void applyConfig(Config next) throws IOException {
        Path file = configFile.orElseThrow(() -> new IOException(
                "the agent runs without a config file; start it with --config FILE to change settings remotely"));
        next.writeTo(file);
        apply(next);
    }

    /**
     * The one place a new configuration takes effect in the running agent, for {@code config.set}
     * (after saving it) and for a reload of the file (SIGHUP): live settings apply now, restart-only
     * ones wait for the next start.
     */
    void apply(Config next) {
        config = next;
        // The obtp.* settings are live: the meeting list re-parses and re-renders with them now.
        meetings.obtp().settingsChanged(ObtpSettings.forRoom(next));
        applied.forEach(l -> l.accept(next));
    }

    /** Also tells {@code listener} of every configuration applied (the management service's own settings). */
    void onApplied(Consumer<Config> listener) {
        applied.add(listener);
    }
}
