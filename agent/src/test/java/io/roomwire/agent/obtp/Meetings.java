package io.roomwire.agent.obtp;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Test meetings: a SIP location unless said otherwise. */
final class Meetings {

    static final String SIP = "sip:room42@vc.example.org";

    private Meetings() {
    }

    static MeetingInvite meeting(String id, String start, String end) {
        return meeting(id, Instant.parse(start), Instant.parse(end));
    }

    static MeetingInvite meeting(String id, Instant start, Instant end) {
        return new MeetingInvite(id, "Meeting " + id, "Adele Vance", start, end, false, false, "accepted", "busy",
                "normal", "singleInstance", Optional.empty(), Optional.empty(), "unknown", List.of(SIP), "html",
                "<p>Dial " + SIP + "</p>");
    }

    static MeetingInvite with(MeetingInvite m, String field, Object value) {
        return new MeetingInvite(m.id(),
                field.equals("subject") ? (String) value : m.subject(), m.organizer(),
                field.equals("start") ? (Instant) value : m.start(), field.equals("end") ? (Instant) value : m.end(),
                field.equals("allDay") ? (Boolean) value : m.allDay(),
                field.equals("cancelled") ? (Boolean) value : m.cancelled(),
                field.equals("response") ? (String) value : m.responseStatus(),
                field.equals("showAs") ? (String) value : m.showAs(),
                field.equals("sensitivity") ? (String) value : m.sensitivity(),
                field.equals("type") ? (String) value : m.type(),
                field.equals("seriesMasterId") ? Optional.of((String) value) : m.seriesMasterId(),
                m.joinUrl(), m.onlineMeetingProvider(),
                field.equals("locations") ? castList(value) : m.locations(), m.bodyType(),
                field.equals("body") ? (String) value : m.body());
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }
}
