package io.roomwire.agent.obtp;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.roomwire.core.time.Durations;
import io.roomwire.sip.JoinTarget;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The answer to "why is there (no) Join button for this meeting?": the join targets found, the
 * button window, and every reason there is none. The decision is the one the panel makes
 * ({@link MeetingDecision}); the JSON form is documented in docs/obtp.md.
 */
public final class ObtpExplain {

    /** Where the button stands at the instant asked about. */
    public enum ButtonState {
        /** Visible at {@code now}. */
        SHOWN,
        /** Will appear at {@code window.from}. */
        NOT_YET,
        /** Its window is over. */
        ENDED,
        /** No instant was given: the meeting gets a button during its window. */
        ELIGIBLE,
        /** Never: see the reasons. */
        NONE;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The decision for one event.
     *
     * @param reasons why there is no button at {@code now}: the blockers, or "not yet"/"ended"
     */
    public record Explanation(MeetingDecision decision, ZoneId zone, Optional<Instant> now, ButtonState button,
                              List<Reason> reasons) {

        public Explanation {
            reasons = List.copyOf(reasons);
        }

        /** True when the room shows (or, without an instant, would show) a Join button. */
        public boolean hasButton() {
            return button == ButtonState.SHOWN || button == ButtonState.ELIGIBLE;
        }
    }

    private final ObtpSettings settings;
    private final ZoneId zone;

    public ObtpExplain(ObtpSettings settings, ZoneId zone) {
        this.settings = settings;
        this.zone = zone;
    }

    public Explanation explain(MeetingInvite m, Optional<Instant> now) {
        MeetingDecision d = MeetingDecision.decide(m, new InvitationParser(settings).parse(m), settings, zone);
        List<Reason> reasons = new ArrayList<>(d.blockers());
        ButtonState state;
        if (!d.eligible()) {
            state = ButtonState.NONE;
        } else if (now.isEmpty()) {
            state = ButtonState.ELIGIBLE;
        } else if (now.get().isBefore(d.from())) {
            state = ButtonState.NOT_YET;
            reasons.add(new Reason("not-yet", "the button appears at " + local(d.from()),
                    "obtp.preroll is " + Durations.human(settings.preroll()) + " before the start"));
        } else if (!now.get().isBefore(d.until())) {
            state = ButtonState.ENDED;
            reasons.add(new Reason("ended", "the meeting ended; the button went at " + local(d.until()), ""));
        } else {
            state = ButtonState.SHOWN;
        }
        return new Explanation(d, zone, now, state, reasons);
    }

    private String local(Instant t) {
        return t.atZone(zone).toOffsetDateTime().toString() + " (" + zone + ")";
    }

    /** The documented JSON form (docs/obtp.md). */
    public static JsonObject toJson(Explanation x) {
        MeetingDecision d = x.decision();
        MeetingInvite m = d.meeting();
        JsonObject o = new JsonObject();
        JsonObject ev = new JsonObject();
        ev.addProperty("id", m.id());
        ev.addProperty("title", d.title());
        ev.addProperty("organizer", d.organizer());
        ev.addProperty("start", d.start().toString());
        ev.addProperty("end", d.end().toString());
        ev.addProperty("allDay", m.allDay());
        ev.addProperty("type", m.type());
        ev.addProperty("private", m.isPrivate());
        ev.addProperty("cancelled", m.cancelled());
        ev.addProperty("response", m.responseStatus());
        o.add("event", ev);
        JsonArray targets = new JsonArray();
        Optional<JoinTarget> primary = d.target();
        for (JoinTarget t : d.invitation().targets()) {
            JsonObject j = new JsonObject();
            j.addProperty("kind", t.kind().wireName());
            j.addProperty("uri", t.uri());
            j.addProperty("provider", t.provider());
            t.dtmf().ifPresent(v -> j.addProperty("dtmf", v));
            j.addProperty("source", t.source());
            j.addProperty("primary", primary.filter(t::equals).isPresent());
            targets.add(j);
        }
        o.add("targets", targets);
        JsonObject w = new JsonObject();
        w.addProperty("from", d.from().toString());
        w.addProperty("until", d.until().toString());
        w.addProperty("zone", x.zone().getId());
        w.addProperty("fromLocal", d.from().atZone(x.zone()).toOffsetDateTime().toString());
        w.addProperty("untilLocal", d.until().atZone(x.zone()).toOffsetDateTime().toString());
        o.add("window", w);
        if (x.now().isPresent()) {
            o.addProperty("now", x.now().get().toString());
        } else {
            o.add("now", JsonNull.INSTANCE);
        }
        o.addProperty("button", x.button().wireName());
        o.add("reasons", reasons(x.reasons()));
        o.add("notes", reasons(d.notes()));
        return o;
    }

    private static JsonArray reasons(List<Reason> rs) {
        JsonArray a = new JsonArray();
        for (Reason r : rs) {
            JsonObject j = new JsonObject();
            j.addProperty("code", r.code());
            j.addProperty("message", r.message());
            j.addProperty("hint", r.hint());
            a.add(j);
        }
        return a;
    }

    /** The human-readable form printed by {@code roomwire obtp explain}. */
    public static String toText(Explanation x) {
        MeetingDecision d = x.decision();
        MeetingInvite m = d.meeting();
        StringBuilder b = new StringBuilder();
        b.append("Meeting: ").append(d.title());
        if (!d.organizer().isBlank()) {
            b.append(" (organizer ").append(d.organizer()).append(')');
        }
        b.append('\n');
        b.append("When:    ").append(m.allDay() ? "all day " : "")
                .append(d.start().atZone(x.zone()).toOffsetDateTime()).append(" to ")
                .append(d.end().atZone(x.zone()).toOffsetDateTime()).append(" (").append(x.zone()).append(")\n");
        List<JoinTarget> ts = d.invitation().targets();
        if (ts.isEmpty()) {
            b.append("Join targets: none found\n");
        } else {
            b.append("Join targets (in order of preference):\n");
            Optional<JoinTarget> primary = d.target();
            int n = 1;
            for (JoinTarget t : ts) {
                b.append(String.format("  %d. %-7s %s", n++, t.kind().wireName(), t.uri()));
                t.dtmf().ifPresent(v -> b.append("  DTMF ").append(v));
                b.append("  [").append(t.provider()).append(", from ").append(t.source()).append(']');
                if (primary.filter(t::equals).isPresent()) {
                    b.append("  <- the Join button dials this");
                }
                b.append('\n');
            }
        }
        b.append("Button window: ").append(d.from().atZone(x.zone()).toOffsetDateTime()).append(" to ")
                .append(d.until().atZone(x.zone()).toOffsetDateTime()).append('\n');
        b.append("Button: ").append(switch (x.button()) {
            case SHOWN -> "shown at " + x.now().orElseThrow();
            case NOT_YET -> "not yet at " + x.now().orElseThrow();
            case ENDED -> "gone at " + x.now().orElseThrow();
            case ELIGIBLE -> "yes, during the window";
            case NONE -> "none";
        }).append('\n');
        if (!x.reasons().isEmpty()) {
            b.append(x.button() == ButtonState.NONE ? "No button because:\n" : "Why:\n");
            x.reasons().forEach(r -> b.append("  - ").append(r).append('\n'));
        }
        if (!d.notes().isEmpty()) {
            b.append("Notes:\n");
            d.notes().forEach(r -> b.append("  - ").append(r).append('\n'));
        }
        return b.toString();
    }
}
