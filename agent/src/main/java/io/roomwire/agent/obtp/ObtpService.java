package io.roomwire.agent.obtp;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.TouchPanel;
import io.roomwire.sip.JoinTarget;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.tinylog.Logger;

/**
 * Shows today's meetings and their Join buttons on the touch panel's {@code home} screen and hands
 * the pressed button's {@link JoinTarget} to the join path. Re-renders when the calendar changes
 * ({@link #calendarChanged()}) and at exactly the next window boundary (one timer, no ticking).
 * Emits one {@code button.shown} event per meeting occurrence.
 */
public final class ObtpService implements Service {

    private static final java.time.format.DateTimeFormatter HH_MM = java.time.format.DateTimeFormatter.ofPattern("HH:mm");

    private final Supplier<List<MeetingInvite>> meetings;
    private final Scheduler scheduler;
    private final ZoneId zone;
    private final TouchPanel panel;
    private final BiConsumer<JoinTarget, List<JoinTarget>> joinHandler;
    private final EventSink events;
    private final String title;
    private final List<String> dependsOn;

    private final Object lock = new Object();
    private volatile ObtpSettings settings;
    private InvitationParser parser;
    private Map<MeetingInvite, ParsedInvitation> parsed = new HashMap<>();
    /** The calendar's meetings at its last good read: what the buttons keep coming from while it cannot be read. */
    private List<MeetingInvite> lastRead = List.of();
    private final Set<String> announced = new HashSet<>();
    private volatile Map<String, JoinButton> visible = Map.of();
    private volatile Agenda agenda;
    private Screen lastScreen;
    private Scheduler.Cancellable timer;
    private boolean listening;
    private volatile boolean running;
    private volatile Health health = Health.down("not started");

    private ObtpService(Builder b) {
        this.meetings = Objects.requireNonNull(b.meetings, "meetings");
        this.scheduler = Objects.requireNonNull(b.scheduler, "scheduler");
        this.zone = Objects.requireNonNull(b.zone, "zone");
        this.panel = Objects.requireNonNull(b.panel, "panel");
        this.joinHandler = Objects.requireNonNull(b.joinHandler, "joinHandler");
        this.events = b.events;
        this.title = b.title;
        this.dependsOn = List.copyOf(b.dependsOn);
        this.settings = b.settings;
        this.parser = new InvitationParser(b.settings);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return "obtp";
    }

    @Override
    public List<String> dependsOn() {
        return dependsOn;
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (!listening) {
                panel.onEvent(this::onPanelEvent);
                listening = true;
            }
            running = true;
            render();
        }
    }

    @Override
    public void stop() {
        synchronized (lock) {
            running = false;
            if (timer != null) {
                timer.cancel();
                timer = null;
            }
            visible = Map.of();
            health = Health.down("stopped");
        }
    }

    @Override
    public Health health() {
        return health;
    }

    /** The calendar has new data: re-render soon on the scheduler's thread. */
    public void calendarChanged() {
        scheduler.execute(this::render);
    }

    /**
     * Shows the home screen again even if nothing changed, e.g. when another screen (a call, the
     * sign-in code) gives the panel back.
     */
    public void refresh() {
        scheduler.execute(() -> {
            synchronized (lock) {
                lastScreen = null;
            }
            render();
        });
    }

    /** New {@code obtp.*} values (config.set): re-parse and re-render. */
    public void settingsChanged(ObtpSettings s) {
        synchronized (lock) {
            settings = s;
            parser = new InvitationParser(s);
            parsed = new HashMap<>();
        }
        scheduler.execute(this::render);
    }

    /** The {@code obtp.*} values in force (the latest {@link #settingsChanged}). */
    public ObtpSettings settings() {
        return settings;
    }

    /** What the panel shows now, once started. */
    public Optional<Agenda> agenda() {
        return Optional.ofNullable(agenda);
    }

    /** Computes the agenda for now, shows it if it changed, and sets the timer for the next change. */
    void render() {
        synchronized (lock) {
            if (!running) {
                return;
            }
            Instant now = scheduler.now();
            List<MeetingInvite> list;
            try {
                list = List.copyOf(meetings.get());
                lastRead = list;
                health = Health.up();
            } catch (RuntimeException e) {
                Logger.warn("OBTP: the calendar could not be read ({}); keeping the last buttons", e.toString());
                health = Health.degraded("calendar unreadable: " + e.getMessage());
                list = lastRead;
            }
            Map<MeetingInvite, ParsedInvitation> cache = new HashMap<>();
            InvitationParser p = parser;
            ButtonSchedule schedule = new ButtonSchedule(settings, zone, m -> {
                ParsedInvitation r = parsed.get(m);
                if (r == null) {
                    r = p.parse(m);
                }
                cache.put(m, r);
                return r;
            });
            Agenda a = schedule.at(list, now);
            parsed = cache;
            agenda = a;
            Map<String, JoinButton> byId = new LinkedHashMap<>();
            a.buttons().forEach(b -> byId.put(b.id(), b));
            visible = Map.copyOf(byId);
            Screen screen = screen(a);
            if (!screen.equals(lastScreen)) {
                panel.show(screen);
                lastScreen = screen;
            }
            announce(a, now);
            if (timer != null) {
                timer.cancel();
            }
            timer = a.nextChange().map(t -> scheduler.schedule(Duration.between(now, t), this::render)).orElse(null);
        }
    }

    private void announce(Agenda a, Instant now) {
        Set<String> current = new HashSet<>();
        for (JoinButton b : a.buttons()) {
            current.add(b.meetingKey());
            if (announced.add(b.meetingKey())) {
                Logger.info("OBTP: Join button shown for meeting {} ({}, {})", shortKey(b.meetingKey()),
                        b.target().provider(), b.target().kind().wireName());
                events.emit(DeviceEvent.of("button.shown", now, "meeting", shortKey(b.meetingKey()),
                        "provider", b.target().provider(), "kind", b.target().kind().wireName(),
                        "source", b.target().source(), "from", b.from().toString(), "until", b.until().toString()));
            }
        }
        // Forget meetings that are gone, so the set stays as small as the calendar.
        Set<String> keys = new HashSet<>(current);
        a.today().forEach(i -> keys.add(i.meetingKey()));
        announced.retainAll(keys);
    }

    private Screen screen(Agenda a) {
        List<String> lines = new ArrayList<>();
        List<PanelButton> buttons = new ArrayList<>();
        for (AgendaItem i : a.today()) {
            String times = i.allDay() ? "All day"
                    : HH_MM.format(i.start().atZone(zone)) + "–" + HH_MM.format(i.end().atZone(zone));
            String who = i.organizer().isBlank() ? "" : " · " + i.organizer();
            String state = switch (i.state()) {
                case IN_PROGRESS -> " (now)";
                case ENDED -> " (ended)";
                case UPCOMING -> "";
            };
            lines.add(times + "  " + i.title() + who + state);
        }
        for (JoinButton b : a.buttons()) {
            buttons.add(new PanelButton(b.id(), b.label(), b.detail()));
        }
        if (lines.isEmpty()) {
            lines.add("No meetings today");
        }
        return new Screen("home", title, lines, buttons, Map.of("date", a.day().toString(), "meetings", meetingsJson(a)));
    }

    /** Today's meetings as the web panel lists them: time, title, organizer, private, cancelled/declined, button. */
    private String meetingsJson(Agenda a) {
        com.google.gson.JsonArray out = new com.google.gson.JsonArray();
        for (AgendaItem i : a.today()) {
            com.google.gson.JsonObject m = new com.google.gson.JsonObject();
            m.addProperty("time", i.allDay() ? "All day"
                    : HH_MM.format(i.start().atZone(zone)) + "–" + HH_MM.format(i.end().atZone(zone)));
            m.addProperty("title", i.title());
            m.addProperty("organizer", i.organizer());
            m.addProperty("private", MeetingDecision.PRIVATE_TITLE.equals(i.title()) && i.organizer().isEmpty());
            m.addProperty("state", i.state().name().toLowerCase(java.util.Locale.ROOT));
            m.addProperty("status", i.reasons().stream().map(Reason::code)
                    .filter(c -> c.equals("cancelled") || c.equals("declined")).findFirst().orElse(""));
            m.addProperty("button", i.button().map(JoinButton::id).orElse(""));
            out.add(m);
        }
        return out.toString();
    }

    private void onPanelEvent(PanelEvent e) {
        if (!(e instanceof PanelEvent.ButtonPressed pressed) || !running) {
            return;
        }
        JoinButton b = visible.get(pressed.buttonId());
        if (b == null) {
            return; // another screen's button, or one that has just gone
        }
        Logger.info("OBTP: Join pressed for meeting {} ({}, {})", shortKey(b.meetingKey()), b.target().provider(),
                b.target().kind().wireName());
        events.emit(DeviceEvent.of("button.pressed", scheduler.now(), "meeting", shortKey(b.meetingKey()),
                "provider", b.target().provider(), "kind", b.target().kind().wireName()));
        scheduler.execute(() -> {
            try {
                joinHandler.accept(b.target(), b.fallbacks());
            } catch (RuntimeException ex) {
                Logger.error(ex, "OBTP: the join path failed for meeting {}", shortKey(b.meetingKey()));
            }
        });
    }

    private static String shortKey(String meetingKey) {
        return ButtonSchedule.meetingRef(meetingKey);
    }

    /** Builds an {@link ObtpService}; every setter except events, title, settings and dependsOn is required. */
    public static final class Builder {
        private Supplier<List<MeetingInvite>> meetings;
        private Scheduler scheduler;
        private ZoneId zone;
        private TouchPanel panel;
        private BiConsumer<JoinTarget, List<JoinTarget>> joinHandler;
        private EventSink events = EventSink.none();
        private String title = "Today";
        private ObtpSettings settings = ObtpSettings.defaults();
        private List<String> dependsOn = List.of();

        /** The room's meetings (the calendar cache); called on every render, must not block on I/O. */
        public Builder meetings(Supplier<List<MeetingInvite>> m) {
            this.meetings = m;
            return this;
        }

        public Builder scheduler(Scheduler s) {
            this.scheduler = s;
            return this;
        }

        /** The room's time zone ({@code device.time-zone}). */
        public Builder zone(ZoneId z) {
            this.zone = z;
            return this;
        }

        public Builder panel(TouchPanel p) {
            this.panel = p;
            return this;
        }

        /** Receives the target of a pressed Join button, on the scheduler's thread (its fallbacks are dropped). */
        public Builder joinHandler(Consumer<JoinTarget> h) {
            this.joinHandler = h == null ? null : (t, next) -> h.accept(t);
            return this;
        }

        /**
         * Receives the target of a pressed Join button and what to dial if its WebRTC join fails before
         * media ({@link JoinButton#fallbacks}), on the scheduler's thread.
         */
        public Builder joinWithFallbacks(BiConsumer<JoinTarget, List<JoinTarget>> h) {
            this.joinHandler = h;
            return this;
        }

        public Builder events(EventSink e) {
            this.events = e;
            return this;
        }

        /** The home screen's title, e.g. the room name ({@code device.name}). */
        public Builder title(String t) {
            this.title = t;
            return this;
        }

        public Builder settings(ObtpSettings s) {
            this.settings = s;
            return this;
        }

        /** Services to start first, e.g. {@code calendar}. */
        public Builder dependsOn(List<String> names) {
            this.dependsOn = names;
            return this;
        }

        public ObtpService build() {
            return new ObtpService(this);
        }
    }
}
