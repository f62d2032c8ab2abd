package io.roomwire.agent.calendar;

import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import java.net.URI;
import java.time.Duration;

/** Settings of the room calendar (Microsoft Graph calendarView delta sync). */
public final class CalendarSettings {

    private CalendarSettings() {
    }

    public static final Setting<String> MAILBOX = Setting.optional("calendar.mailbox",
            SettingType.matching("[^@\\s]+@[^@\\s]+", "a mailbox address such as room-4.12@contoso.com"),
            "The room mailbox whose calendar gives the Join buttons; without it the calendar is off");

    public static final Setting<URI> GRAPH_URL = Setting.of("calendar.graph-url", SettingType.URI_TYPE,
            "https://graph.microsoft.com/v1.0",
            "Microsoft Graph base URL; must be https (http is accepted only for 127.0.0.1/localhost test services)");

    public static final Setting<Duration> POLL_INTERVAL = Setting.of("calendar.poll-interval", SettingType.DURATION,
            "30s", "How often the delta link is polled for changes");

    public static final Setting<Duration> WINDOW_PAST = Setting.of("calendar.window-past", SettingType.DURATION,
            "1d", "The synced window starts this long before the start of today (room time zone)");

    public static final Setting<Duration> WINDOW_FUTURE = Setting.of("calendar.window-future", SettingType.DURATION,
            "7d", "The synced window ends this long after the start of today (room time zone)");

    public static final Setting<Integer> PAGE_SIZE = Setting.of("calendar.page-size", SettingType.integer(1, 1000),
            "100", "Events per Graph page (Prefer: odata.maxpagesize)");

    public static final Setting<Duration> STALE_AFTER = Setting.of("calendar.stale-after", SettingType.DURATION,
            "10m", "Health turns DEGRADED(calendar stale since ...) when no sync succeeded for this long");

    public static final Setting<Integer> MAX_CONCURRENT = Setting.of("calendar.max-concurrent-requests",
            SettingType.integer(1, 4), "4",
            "Concurrent Graph requests per mailbox (Exchange Online allows an application at most 4)");

    public static final Setting<Duration> RETRY_BASE = Setting.of("calendar.retry-base", SettingType.DURATION, "2s",
            "First delay after a failed sync when Graph gives no Retry-After (doubles, with jitter)");

    public static final Setting<Duration> RETRY_MAX = Setting.of("calendar.retry-max", SettingType.DURATION, "5m",
            "Longest delay between attempts after failed syncs");

    public static final Setting<Duration> REQUEST_TIMEOUT = Setting.of("calendar.request-timeout", SettingType.DURATION,
            "30s", "How long one Graph request may take before it counts as failed");
}
