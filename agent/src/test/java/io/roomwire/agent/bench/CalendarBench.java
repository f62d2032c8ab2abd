package io.roomwire.agent.bench;

import io.roomwire.agent.calendar.CalendarService;
import io.roomwire.agent.calendar.GraphToken;
import io.roomwire.agent.calendar.SyncReport;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.graph.Booking;
import io.roomwire.sim.cloud.graph.SimGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * End-to-end calendar figures, real time, the Graph SDK against the simulated Graph over HTTP on
 * loopback: requests of a no-change delta poll, a full sync of 500 events, and booking-to-button
 * latency at poll interval P (booking in the mailbox until the meetings listener has it).
 * Prints only markdown table rows. Argument: P in seconds (default 5).
 */
public final class CalendarBench {

    static final String ROOM = "room-bench@contoso.example";
    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    public static void main(String[] args) throws Exception {
        org.tinylog.configuration.Configuration.set("writer.console", "false");
        Duration poll = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
        Clock clock = Clock.systemUTC();
        Path root = Files.createTempDirectory("calendar-bench");
        SimTokenAuthority entra = new SimTokenAuthority("bench-tenant", clock);
        String token = entra.sign(Map.of("aud", SimTokenAuthority.GRAPH_AUDIENCE, "roles", List.of("Calendars.Read")),
                Duration.ofHours(2));
        GraphToken tokens = new GraphToken() {
            @Override
            public Optional<String> accessToken() {
                return Optional.of(token);
            }

            @Override
            public Optional<String> refreshAfterUnauthorized() {
                return Optional.empty();
            }
        };
        ZonedDateTime base = ZonedDateTime.now(clock).withZoneSameInstant(ZONE).withHour(8).withMinute(0)
                .withSecond(0).withNano(0);
        try (SystemScheduler scheduler = new SystemScheduler(2); SimGraph graph = new SimGraph(entra, clock).start()) {
            graph.addMailbox(ROOM);
            for (int i = 0; i < 500; i++) {
                graph.book(ROOM, Booking.of("Bench meeting " + i, base.plusDays(i % 6).plusMinutes(15L * (i / 6)),
                        Duration.ofMinutes(15)).teamsInvitation().build());
            }

            // Full sync of 500 events into an empty cache (first round includes the SDK's start-up).
            List<Long> full = new ArrayList<>();
            for (int run = 0; run < 4; run++) {
                CalendarService c = calendar(graph, tokens, scheduler, root.resolve("full" + run), Duration.ofHours(1));
                CompletableFuture<Long> done = new CompletableFuture<>();
                long t0 = System.nanoTime();
                c.addListener(ms -> {
                    if (ms.size() == 500) {
                        done.complete(System.nanoTime() - t0);
                    }
                });
                c.start();
                full.add(done.get(30, TimeUnit.SECONDS));
                c.stop();
            }

            // A poll with nothing changed.
            CalendarService c = calendar(graph, tokens, scheduler, root.resolve("poll"), Duration.ofHours(1));
            CompletableFuture<Void> ready = new CompletableFuture<>();
            c.addListener(ms -> ready.complete(null));
            c.start();
            ready.get(30, TimeUnit.SECONDS);
            long before = graph.requests();
            SyncReport r = c.syncNow().get(30, TimeUnit.SECONDS);
            long noChange = graph.requests() - before;
            List<Long> pollTimes = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                c.syncNow().get(30, TimeUnit.SECONDS);
                pollTimes.add(System.nanoTime() - t0);
            }
            c.stop();

            // Booking to button at poll interval P.
            CalendarService live = calendar(graph, tokens, scheduler, root.resolve("live"), poll);
            Map<String, Long> seen = new ConcurrentHashMap<>();
            live.addListener(ms -> {
                long now = System.nanoTime();
                for (MeetingInvite m : ms) {
                    seen.putIfAbsent(m.id(), now);
                }
            });
            CompletableFuture<Void> liveReady = new CompletableFuture<>();
            live.addListener(ms -> liveReady.complete(null));
            live.start();
            liveReady.get(30, TimeUnit.SECONDS);
            Random random = new Random(42);
            List<Long> latency = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                LockSupport.parkNanos(random.nextLong(poll.toNanos())); // book at a random phase of the poll cycle
                long t0 = System.nanoTime();
                String id = graph.book(ROOM, Booking.of("Ad hoc " + i, base.plusHours(10).plusMinutes(i),
                        Duration.ofMinutes(30)).teamsInvitation().build());
                long deadline = t0 + poll.toNanos() + TimeUnit.SECONDS.toNanos(10);
                while (!seen.containsKey(id) && System.nanoTime() < deadline) {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
                }
                Long at = seen.get(id);
                latency.add(at == null ? Long.MAX_VALUE : at - t0);
            }
            live.stop();

            List<Long> warm = full.subList(1, full.size());
            System.out.println("| calendar: requests of a no-change delta poll | " + noChange + " (ok=" + r.ok() + ") | 1 |");
            System.out.printf("| calendar: no-change delta poll, median of 20 | %.1f ms | - |%n", ms(median(pollTimes)));
            System.out.printf("| calendar: full sync of 500 events (first, incl. Graph SDK start) | %.0f ms | ≤ 2 s |%n",
                    ms(full.get(0)));
            System.out.printf("| calendar: full sync of 500 events (median of %d warm) | %.0f ms | ≤ 2 s |%n",
                    warm.size(), ms(median(warm)));
            System.out.printf("| calendar: booking-to-button latency at P = %d s (max of %d) | %.2f s | ≤ P + 1 s |%n",
                    poll.toSeconds(), latency.size(), Collections.max(latency) / 1e9);
            System.out.printf("| calendar: booking-to-button latency at P = %d s (median) | %.2f s | - |%n",
                    poll.toSeconds(), median(latency) / 1e9);
        }
    }

    static io.roomwire.provisioning.identity.AtRestCipher benchCipher(Path dir, SystemScheduler scheduler) {
        try {
            var id = io.roomwire.provisioning.identity.DeviceIdentity.loadOrCreate(new FileStore(dir, scheduler.clock()),
                    scheduler.clock(), "bench-room");
            return CalendarService.cacheCipher(() -> java.util.Optional.of(id));
        } catch (io.roomwire.provisioning.identity.IdentityException e) {
            throw new IllegalStateException(e);
        }
    }

    static CalendarService calendar(SimGraph graph, GraphToken tokens, SystemScheduler scheduler, Path dir,
                                    Duration poll) {
        return CalendarService.builder().mailbox(ROOM).graphUrl(graph.baseUrl()).token(tokens).scheduler(scheduler)
                .store(new FileStore(dir, scheduler.clock())).atRest(benchCipher(dir, scheduler)).zone(ZONE).pollInterval(poll).pageSize(100)
                .random(new Random(1)).build();
    }

    static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
