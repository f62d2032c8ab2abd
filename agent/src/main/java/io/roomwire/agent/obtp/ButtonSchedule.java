package io.roomwire.agent.obtp;

import io.roomwire.sip.JoinTarget;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which Join buttons are visible at an instant, and which meetings are listed for the room's
 * local day. Pure: the same meetings, instant and settings always give the same {@link Agenda}.
 * Windows are computed on instants (so a DST change never moves a meeting), days in the room's
 * zone (so a DST day has 23 or 25 hours).
 */
public final class ButtonSchedule {

    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm");

    private final ObtpSettings settings;
    private final ZoneId zone;
    private final Function<MeetingInvite, ParsedInvitation> parser;

    /** {@code parser} is usually a cache in front of {@link InvitationParser#parse}. */
    public ButtonSchedule(ObtpSettings settings, ZoneId zone, Function<MeetingInvite, ParsedInvitation> parser) {
        this.settings = settings;
        this.zone = zone;
        this.parser = parser;
    }

    public ButtonSchedule(ObtpSettings settings, ZoneId zone) {
        this(settings, zone, new InvitationParser(settings)::parse);
    }

    public ZoneId zone() {
        return zone;
    }

    public MeetingDecision decide(MeetingInvite m) {
        return MeetingDecision.decide(m, parser.apply(m), settings, zone);
    }

    public Agenda at(List<MeetingInvite> meetings, Instant now) {
        LocalDate day = now.atZone(zone).toLocalDate();
        Instant dayStart = day.atStartOfDay(zone).toInstant();
        Instant dayEnd = day.plusDays(1).atStartOfDay(zone).toInstant();
        Instant next = dayEnd;

        List<AgendaItem> today = new ArrayList<>();
        List<JoinButton> buttons = new ArrayList<>();
        List<MeetingDecision> decisions = new ArrayList<>();
        for (MeetingInvite m : meetings) {
            if ("seriesMaster".equalsIgnoreCase(m.type())) {
                continue; // occurrences and exceptions carry the real times
            }
            if (!matters(MeetingDecision.Window.of(m, settings, zone), now, dayStart, dayEnd)) {
                continue; // not listed today, no button now, and no change before the day's end: not parsed
            }
            decisions.add(decide(m));
        }
        decisions.sort(Comparator.comparing(MeetingDecision::start).thenComparing(MeetingDecision::end)
                .thenComparing(d -> d.meeting().id()));
        for (MeetingDecision d : decisions) {
            boolean listed = listed(d.start(), d.end(), dayStart, dayEnd);
            Optional<JoinButton> button = Optional.empty();
            if (d.eligible()) {
                next = earliestAfter(next, now, d.from(), d.until());
                if (!now.isBefore(d.from()) && now.isBefore(d.until())) {
                    JoinTarget t = d.target().orElseThrow();
                    button = Optional.of(new JoinButton(buttonId(d.meetingKey(), t), d.meetingKey(), "Join",
                            detail(d), t, d.from(), d.until(), d.fallbacks()));
                    buttons.add(button.get());
                }
            }
            if (listed) {
                next = earliestAfter(next, now, d.start(), d.end());
                AgendaItem.State state = now.isBefore(d.start()) ? AgendaItem.State.UPCOMING
                        : now.isBefore(d.end()) ? AgendaItem.State.IN_PROGRESS : AgendaItem.State.ENDED;
                today.add(new AgendaItem(d.meetingKey(), d.title(), d.organizer(), d.start(), d.end(),
                        d.meeting().allDay(), state, button, d.blockers()));
            }
        }
        return new Agenda(now, day, today, buttons, Optional.of(next));
    }

    /**
     * Whether a meeting can change the agenda at {@code now}: listed on the day, or its button window ends after
     * {@code now} and begins before the day's end (the agenda's next change is at the day's end at the latest).
     * A calendar holds days of meetings; only these are parsed, each day's others at the render of its midnight.
     */
    static boolean matters(MeetingDecision.Window w, Instant now, Instant dayStart, Instant dayEnd) {
        return listed(w.start(), w.end(), dayStart, dayEnd) || w.until().isAfter(now) && w.from().isBefore(dayEnd);
    }

    private static boolean listed(Instant start, Instant end, Instant dayStart, Instant dayEnd) {
        return start.isBefore(dayEnd) && end.isAfter(dayStart)
                || (start.equals(end) && !start.isBefore(dayStart) && start.isBefore(dayEnd));
    }

    /** "Weekly sync · 09:00–10:00" in the room's zone. */
    String detail(MeetingDecision d) {
        return d.title() + " · " + times(d);
    }

    /** Local times of a meeting: "09:00–10:00" or "All day". */
    public String times(MeetingDecision d) {
        if (d.meeting().allDay()) {
            return "All day";
        }
        ZonedDateTime s = d.start().atZone(zone);
        ZonedDateTime e = d.end().atZone(zone);
        return HH_MM.format(s) + "–" + HH_MM.format(e);
    }

    private static Instant earliestAfter(Instant best, Instant now, Instant... candidates) {
        Instant b = best;
        for (Instant c : candidates) {
            if (c.isAfter(now) && c.isBefore(b)) {
                b = c;
            }
        }
        return b;
    }

    /** Stable across renders and restarts: hashes of the occurrence and of the target. */
    static String buttonId(String meetingKey, JoinTarget t) {
        return "join-" + hash(meetingKey, 12) + "-" + hash(t.kind() + "|" + t.uri() + "|" + t.dtmf().orElse(""), 8);
    }

    /** A short, stable, non-identifying reference to a meeting occurrence for logs and events. */
    public static String meetingRef(String meetingKey) {
        return hash(meetingKey, 12);
    }

    private static String hash(String s, int hexChars) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
