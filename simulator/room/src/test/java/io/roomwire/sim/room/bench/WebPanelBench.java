package io.roomwire.sim.room.bench;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.web.WebTouchPanel;
import io.roomwire.sim.room.PanelBrowser;
import io.roomwire.sim.room.SimCloud;
import io.roomwire.sim.room.SimulatedRoom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The touch panel in a real browser (issue 13): first paint after agent start, press-to-screen
 * latency measured in the page, and RSS with the panel served. Prints table rows for BenchRunner.
 */
public final class WebPanelBench {

    private static final int PRESSES = 40;

    private WebPanelBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("roomwire-panel-bench-");
        try (SystemScheduler scheduler = new SystemScheduler(4);
             SimCloud cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ZERO)) {
            cloud.addRoom("401", "Room 401");
            cloud.bookMeetingNow("401", ZoneOffset.UTC);
            cloud.bookDemoMeetings("401", ZoneOffset.UTC);
            // The browser first, as a kiosk's is: its cold start is not the agent's.
            ChromeDriver page = PanelBrowser.open(dir, 1280, 800);
            try {
                SimulatedRoom room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent"))
                        .cloud(cloud).set("panel.http-port", "0").build();
                long t0 = System.currentTimeMillis();
                Thread start = new Thread(room::start, "bench-agent-start");
                start.start();
                WebTouchPanel web = room.webPanel().orElseThrow();
                PanelBrowser.await(web::running, Duration.ofSeconds(30), null);
                page.get(web.url());
                PanelBrowser.await(() -> !PanelBrowser.kind(page).isEmpty(), Duration.ofSeconds(60), page);
                long firstPaint = PanelBrowser.firstPaintEpochMillis(page) - t0;
                start.join(Duration.ofSeconds(60).toMillis());

                String join = "button[aria-label*='" + SimCloud.DEMO_SUBJECT + "']";
                PanelBrowser.await(() -> !page.findElements(By.cssSelector(join)).isEmpty(), Duration.ofSeconds(90), page);
                PanelBrowser.click(page, join);
                PanelBrowser.awaitKind(page, "call", Duration.ofSeconds(30));
                int missed = 0;
                for (int attempt = 0; PanelBrowser.latencies(page).size() < PRESSES && attempt < 2 * PRESSES; attempt++) {
                    int n = PanelBrowser.latencies(page).size();
                    PanelBrowser.click(page, "button[data-button='call.mute']");
                    try {
                        PanelBrowser.await(() -> PanelBrowser.latencies(page).size() > n, Duration.ofSeconds(5), page);
                    } catch (AssertionError e) {
                        missed++; // a press whose redraw the page did not time (a media update redrew first)
                    }
                }
                System.out.println("presses without a timed redraw: " + missed);
                List<Double> press = PanelBrowser.latencies(page).subList(0, PRESSES);
                List<Double> fetch = PanelBrowser.fetchRoundTrips(page, PRESSES);
                long rssMb = PanelBrowser.rssKb() / 1024;
                PanelBrowser.click(page, "button[data-button='call.hangup']");
                PanelBrowser.awaitKind(page, "home", Duration.ofSeconds(30));
                room.close();

                System.out.printf(Locale.ROOT, "| panel first paint in Chromium after agent start | %d ms | |%n", firstPaint);
                System.out.printf(Locale.ROOT, "| press -> screen (call.mute), measured in the page, p50 / p95 of %d"
                        + " | %.1f / %.1f ms | |%n", PRESSES, PanelBrowser.pct(press, 50), PanelBrowser.pct(press, 95));
                System.out.printf(Locale.ROOT, "| reference: fetch round trip to the panel, p50 / p95 | %.1f / %.1f ms | |%n",
                        PanelBrowser.pct(fetch, 50), PanelBrowser.pct(fetch, 95));
                System.out.printf(Locale.ROOT, "| RSS of the JVM running the agent with the panel served (and the"
                        + " simulated cloud in the same JVM) | %d MB | |%n", rssMb);
            } finally {
                page.quit();
            }
        }
        System.exit(0); // the simulated cloud's and Selenium's pools hold non-daemon threads
    }
}
