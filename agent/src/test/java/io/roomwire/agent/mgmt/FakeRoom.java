package io.roomwire.agent.mgmt;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.roomwire.agent.config.Config;
import io.roomwire.core.health.Health;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

/** A room for management tests: a call that can be up or down, a schedule of one meeting, recorded actions. */
final class FakeRoom implements RoomControl {

    volatile String call = "idle";
    volatile Config config;
    final List<String> reboots = new CopyOnWriteArrayList<>();
    final List<String> dtmfSent = new CopyOnWriteArrayList<>();
    final List<Config> applied = new CopyOnWriteArrayList<>();
    /** What the agent's applier also does: tells the management service (set by the fixture once it is built). */
    volatile java.util.function.Consumer<Config> onApplied = c -> { };
    volatile CompletableFuture<JsonElement> calendarSync = CompletableFuture.completedFuture(obj("changes", 2));
    volatile boolean failSelftest;

    FakeRoom(Config config) {
        this.config = config;
    }

    static JsonObject obj(String k, Object v) {
        JsonObject o = new JsonObject();
        if (v instanceof Number n) {
            o.addProperty(k, n);
        } else if (v instanceof Boolean b) {
            o.addProperty(k, b);
        } else {
            o.addProperty(k, String.valueOf(v));
        }
        return o;
    }

    @Override
    public JsonObject status() {
        JsonObject s = new JsonObject();
        s.add("call", obj("state", call));
        JsonObject next = obj("subject", "Weekly sync");
        next.addProperty("start", "2026-01-05T09:00:00Z");
        s.add("nextMeeting", next);
        JsonArray buttons = new JsonArray();
        buttons.add(obj("meeting", "m-1"));
        s.add("buttons", buttons);
        s.add("enrollment", obj("state", "enrolled"));
        s.add("compliance", obj("state", "compliant"));
        return s;
    }

    @Override
    public JsonObject telemetry() {
        JsonObject t = new JsonObject();
        t.addProperty("calendarSyncAgeSeconds", 42);
        if (inCall()) {
            JsonObject q = new JsonObject();
            q.addProperty("lossPercent", 0.1);
            q.addProperty("jitterMs", 3);
            q.addProperty("bitrateKbps", 1800);
            t.add("call", q);
        }
        t.add("peripherals", obj("camera", "UP"));
        return t;
    }

    @Override
    public Map<String, Health> health() {
        return Map.of("calendar", Health.up(), "sip", Health.up());
    }

    @Override
    public boolean inCall() {
        return !call.equals("idle");
    }

    @Override
    public CompletionStage<JsonElement> dial(String target) throws CommandException {
        if (!target.startsWith("sip:") && !target.startsWith("sips:") && !target.startsWith("m-")) {
            throw CommandException.badRequest("target", "expected a sip: URI or a meeting id, got '" + target + "'");
        }
        if (inCall()) {
            throw CommandException.busy("already in a call; call.hangup first");
        }
        call = "connected";
        return CompletableFuture.completedFuture(obj("call", target));
    }

    @Override
    public CompletionStage<JsonElement> hangup() {
        boolean was = inCall();
        call = "idle";
        return CompletableFuture.completedFuture(obj("ended", was));
    }

    @Override
    public JsonElement dtmf(String digits) throws CommandException {
        if (!inCall()) {
            throw CommandException.badRequest("digits", "no call in progress");
        }
        dtmfSent.add(digits);
        return obj("sent", digits);
    }

    @Override
    public JsonElement obtpList() {
        JsonArray a = new JsonArray();
        JsonObject m = obj("meeting", "m-1");
        m.addProperty("title", "Weekly sync");
        JsonObject button = obj("id", "b-1");
        button.addProperty("meeting", "m-1");
        m.add("button", button);
        a.add(m);
        JsonObject o = new JsonObject();
        o.add("meetings", a);
        return o;
    }

    @Override
    public JsonElement obtpExplain(String meetingId) throws CommandException {
        if (!meetingId.equals("m-1")) {
            throw CommandException.badRequest("meeting", "no meeting '" + meetingId + "' in the schedule (see obtp.list)");
        }
        return obj("reason", "Teams meeting with a SIP join address: button shown 5 minutes before start");
    }

    @Override
    public CompletionStage<JsonElement> calendarSync() {
        return calendarSync;
    }

    @Override
    public CompletionStage<JsonElement> enrollStart(boolean rekey) {
        return CompletableFuture.completedFuture(obj("userCode", "ABCD-EFGH"));
    }

    @Override
    public CompletionStage<JsonElement> selftest() {
        if (failSelftest) {
            throw new IllegalStateException("camera driver crashed");
        }
        return CompletableFuture.completedFuture(obj("camera", "ok"));
    }

    @Override
    public void reboot(String reason) {
        reboots.add(reason);
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public void applyConfig(Config next) throws IOException {
        applied.add(next);
        config = next;
        onApplied.accept(next);
    }
}
