package io.roomwire.agent.obtp;

import io.roomwire.sip.JoinTarget;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Whether a meeting gets a Join button and when, independent of the current time: the button
 * schedule and {@code obtp explain} both use this, so the panel and the explanation agree.
 *
 * @param start    effective start (all-day events: local midnight of their first day in the room's zone)
 * @param end      effective end
 * @param from     when the button would appear: start minus obtp.preroll (all-day: start)
 * @param until    when it would go: end plus obtp.grace
 * @param blockers every reason there is no button; empty when there is one in the window
 * @param notes    things worth knowing that do not block (refused look-alike links, excluded methods)
 */
public record MeetingDecision(MeetingInvite meeting, ParsedInvitation invitation, Instant start, Instant end,
                              Instant from, Instant until, List<Reason> blockers, List<Reason> notes) {

    public static final String PRIVATE_TITLE = "Private meeting";

    public MeetingDecision {
        blockers = List.copyOf(blockers);
        notes = List.copyOf(notes);
    }

    /** The meeting gets a button between {@link #from} and {@link #until}. */
    public boolean eligible() {
        return blockers.isEmpty();
    }

    /** The target the button dials. */
    public Optional<JoinTarget> target() {
        return eligible() ? invitation.primary() : Optional.empty();
    }

    /**
     * What the button dials if joining {@link #target} over WebRTC fails before media: the meeting's
     * other dialable targets in preference order. Empty for a SIP or IVR target (those are not retried elsewhere).
     */
    public List<JoinTarget> fallbacks() {
        Optional<JoinTarget> primary = target();
        if (primary.isEmpty() || primary.get().kind() != JoinTarget.Kind.WEBRTC) {
            return List.of();
        }
        return invitation.targets().stream()
                .filter(t -> t.kind() != JoinTarget.Kind.URL && !t.equals(primary.get())).toList();
    }

    /** The title shown on the panel: the subject, or "Private meeting". */
    public String title() {
        if (meeting.isPrivate()) {
            return PRIVATE_TITLE;
        }
        return meeting.subject().isBlank() ? "(no subject)" : meeting.subject();
    }

    /** The organizer shown on the panel; empty for private meetings. */
    public String organizer() {
        return meeting.isPrivate() ? "" : meeting.organizer();
    }

    /** Event id and start: one key per occurrence. */
    public String meetingKey() {
        return meeting.id() + "@" + meeting.start();
    }

    /**
     * A meeting's times as {@link #decide} reads them, without reading its invitation: what the button schedule
     * needs to tell whether a meeting matters at an instant before parsing it.
     */
    record Window(Instant start, Instant end, Instant from, Instant until) {

        static Window of(MeetingInvite m, ObtpSettings s, ZoneId zone) {
            Instant start = m.start();
            Instant end = m.end();
            if (m.allDay()) {
                // Graph gives all-day events as floating midnights (in the zone asked for, UTC here): read them as dates.
                LocalDate first = m.start().atOffset(ZoneOffset.UTC).toLocalDate();
                LocalDate last = m.end().atOffset(ZoneOffset.UTC).toLocalDate();
                start = first.atStartOfDay(zone).toInstant();
                end = (last.isAfter(first) ? last : first.plusDays(1)).atStartOfDay(zone).toInstant();
            }
            if (end.isBefore(start)) {
                end = start;
            }
            return new Window(start, end, m.allDay() ? start : start.minus(s.preroll()), end.plus(s.grace()));
        }
    }

    public static MeetingDecision decide(MeetingInvite m, ParsedInvitation p, ObtpSettings s, ZoneId zone) {
        Window w = Window.of(m, s, zone);
        Instant start = w.start();
        Instant end = w.end();
        Instant from = w.from();
        Instant until = w.until();

        List<Reason> blockers = new ArrayList<>();
        if ("seriesMaster".equalsIgnoreCase(m.type())) {
            blockers.add(new Reason("series-master", "this is the master of a recurring series",
                    "each occurrence is its own event with its own button; explain an occurrence instead"));
        }
        if (m.cancelled()) {
            blockers.add(new Reason("cancelled", "cancelled", "the organizer cancelled this meeting"));
        }
        if (m.declinedByRoom()) {
            blockers.add(new Reason("declined", "declined by the room",
                    "the room mailbox declined it (conflict or booking policy): check Get-CalendarProcessing"));
        }
        if (m.tentative() && !s.showTentative()) {
            blockers.add(new Reason("tentative", "accepted only tentatively by the room",
                    "obtp.show-tentative is false"));
        }
        if (!p.joinable()) {
            if (m.allDay()) {
                blockers.add(new Reason("all-day-no-join", "all-day event without join information", ""));
            } else {
                blockers.add(noJoinInfo(m, p));
            }
        }
        List<Reason> notes = new ArrayList<>();
        for (ParsedInvitation.Rejection r : p.rejected()) {
            notes.add(new Reason("rejected", "refused " + r.what() + " (" + r.source() + "): " + r.why(), ""));
        }
        for (JoinTarget t : p.excluded()) {
            String method = switch (t.kind()) {
                case SIP -> "direct";
                case SIP_IVR -> "ivr";
                case WEBRTC -> "webrtc";
                case URL -> "url";
            };
            if (t.kind() == JoinTarget.Kind.WEBRTC && s.webrtcUnavailable().isPresent()) {
                notes.add(new Reason("webrtc-unavailable", "webrtc target (" + t.provider() + ") found, but "
                        + s.webrtcUnavailable().get(), "set webrtc.gateway-url to the WebRTC gateway (WHIP or Pexip)"));
                continue;
            }
            notes.add(new Reason("method-excluded", t.kind().wireName() + " target (" + t.provider() + ") found, but "
                    + method + " is not in obtp.preference", "add " + method + " to obtp.preference to offer it"));
        }
        if (p.truncated()) {
            notes.add(new Reason("body-truncated", "the body is longer than obtp.max-body-chars; only its start was read",
                    "raise obtp.max-body-chars if the join details are at the end"));
        }
        return new MeetingDecision(m, p, start, end, from, until, blockers, notes);
    }

    private static Reason noJoinInfo(MeetingInvite m, ParsedInvitation p) {
        if (p.bodyEmpty() && m.joinUrl().isEmpty() && m.locations().isEmpty()) {
            return new Reason("no-join-info", "no join information: the body is empty",
                    "check Set-CalendarProcessing -DeleteComments $false (and -RemovePrivateProperty $false "
                            + "for private meetings) on the room mailbox");
        }
        List<JoinTarget> links = p.targets().stream().filter(t -> t.kind() == JoinTarget.Kind.URL).toList();
        if (!links.isEmpty()) {
            JoinTarget l = links.get(0);
            return new Reason("link-only", "only a link the room cannot dial (" + l.provider() + ")",
                    "ask the organizer to include the video-system (SIP) details of the meeting");
        }
        if (!p.excluded().isEmpty()) {
            return new Reason("no-join-info", "no join method allowed by obtp.preference",
                    "the invitation offers " + p.excluded().stream().map(t -> t.kind().wireName()).distinct().toList()
                            + ": add the method to obtp.preference");
        }
        if (!p.rejected().isEmpty()) {
            ParsedInvitation.Rejection first = p.rejected().get(0);
            return new Reason("no-join-info", "no usable join information: refused " + first.what() + ": " + first.why(),
                    p.rejected().size() > 1 ? "see the notes for all " + p.rejected().size() + " refused items" : "");
        }
        return new Reason("no-join-info", "no join information: no Teams, Webex, Zoom, video-device (CVI) or SIP "
                + "details in the online meeting, location or body",
                "check that the meeting was created as an online meeting and that the tenant's CVI policy is "
                        + "assigned to the organizer (Grant-CsTeamsVideoInteropServicePolicy)");
    }
}
