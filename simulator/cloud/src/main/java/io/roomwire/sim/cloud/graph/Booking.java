package io.roomwire.sim.cloud.graph;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;

/**
 * A meeting to book in a simulated room mailbox, as an organizer's Outlook would create it.
 * Build with {@link #of}: {@code Booking.of("Weekly sync", start, Duration.ofMinutes(30)).teams(url).build()}.
 *
 * @param start    first (or only) start, in the organizer's zone (recurrences keep its wall-clock time)
 * @param bodyHtml the invitation body (HTML), as the room mailbox stores it
 */
public record Booking(String subject, String organizerName, String organizerAddress, ZonedDateTime start,
                      Duration duration, String bodyHtml, Optional<String> joinUrl, String onlineMeetingProvider,
                      String location, String sensitivity, boolean allDay, String showAs,
                      Optional<Recurrence> recurrence) {

    public Booking {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(start, "start");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative");
        }
    }

    public static Builder of(String subject, ZonedDateTime start, Duration duration) {
        return new Builder(subject, start, duration);
    }

    /** The same booking at a new start and length (the organizer moved it). */
    public Booking toBuilderWith(ZonedDateTime newStart, Duration newDuration) {
        return new Booking(subject, organizerName, organizerAddress, newStart, newDuration, bodyHtml, joinUrl,
                onlineMeetingProvider, location, sensitivity, allDay, showAs, recurrence);
    }

    public Booking withSubject(String newSubject) {
        return new Booking(newSubject, organizerName, organizerAddress, start, duration, bodyHtml, joinUrl,
                onlineMeetingProvider, location, sensitivity, allDay, showAs, recurrence);
    }

    public Builder toBuilder() {
        Builder b = new Builder(subject, start, duration);
        b.organizerName = organizerName;
        b.organizerAddress = organizerAddress;
        b.bodyHtml = bodyHtml;
        b.joinUrl = joinUrl;
        b.provider = onlineMeetingProvider;
        b.location = location;
        b.sensitivity = sensitivity;
        b.allDay = allDay;
        b.showAs = showAs;
        b.recurrence = recurrence;
        return b;
    }

    /** Fluent builder; defaults: organizer Adele Vance, no body, no online meeting, normal, busy. */
    public static final class Builder {
        private final String subject;
        private final ZonedDateTime start;
        private final Duration duration;
        private String organizerName = "Adele Vance";
        private String organizerAddress = "adele@contoso.com";
        private String bodyHtml = "";
        private Optional<String> joinUrl = Optional.empty();
        private String provider = "unknown";
        private String location = "";
        private String sensitivity = "normal";
        private boolean allDay;
        private String showAs = "busy";
        private Optional<Recurrence> recurrence = Optional.empty();

        private Builder(String subject, ZonedDateTime start, Duration duration) {
            this.subject = subject;
            this.start = start;
            this.duration = duration;
        }

        public Builder organizer(String name, String address) {
            this.organizerName = name;
            this.organizerAddress = address;
            return this;
        }

        public Builder body(String html) {
            this.bodyHtml = html;
            return this;
        }

        /** A Teams meeting: sets {@code onlineMeeting.joinUrl} and {@code onlineMeetingProvider=teamsForBusiness}. */
        public Builder teams(String joinUrl) {
            this.joinUrl = Optional.of(joinUrl);
            this.provider = "teamsForBusiness";
            return this;
        }

        /** A plain Teams invitation: join URL and the body Teams writes (from {@link InvitationBodies}). */
        public Builder teamsInvitation() {
            String url = InvitationBodies.teamsJoinUrl(subject + start);
            return teams(url).body(InvitationBodies.teams(url));
        }

        /** A Teams invitation with the video-conferencing-device (CVI) section of {@code provider}. */
        public Builder teamsCviInvitation(InvitationBodies.Provider provider, InvitationBodies.Wording wording,
                                          String tenantKey, String videoId) {
            String url = InvitationBodies.teamsJoinUrl(subject + start);
            return teams(url).body(InvitationBodies.teamsCvi(provider, wording, tenantKey, videoId, url));
        }

        /** A Webex meeting invitation (no Graph online-meeting fields: Webex puts it all in the body). */
        public Builder webexInvitation(String site, String meetingNumber) {
            return body(InvitationBodies.webex(site, meetingNumber));
        }

        public Builder zoomInvitation(String meetingId, String passcode) {
            return body(InvitationBodies.zoom(meetingId, passcode));
        }

        public Builder sipInvitation(String uri) {
            return body(InvitationBodies.sip(uri)).location(uri);
        }

        /** Wraps every link of the body as Defender for Office 365 SafeLinks does. */
        public Builder safeLinks() {
            return body(InvitationBodies.safeLinks(bodyHtml, "eur02"));
        }

        public Builder location(String displayName) {
            this.location = displayName;
            return this;
        }

        public Builder privateMeeting() {
            this.sensitivity = "private";
            return this;
        }

        public Builder sensitivity(String s) {
            this.sensitivity = s;
            return this;
        }

        public Builder allDay() {
            this.allDay = true;
            return this;
        }

        public Builder showAs(String s) {
            this.showAs = s;
            return this;
        }

        public Builder recurring(Recurrence r) {
            this.recurrence = Optional.of(r);
            return this;
        }

        public Booking build() {
            return new Booking(subject, organizerName, organizerAddress, start, duration, bodyHtml, joinUrl,
                    provider, location, sensitivity, allDay, showAs, recurrence);
        }
    }
}
