package io.roomwire.sim.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.roomwire.sim.room.PanelBrowser.await;
import static io.roomwire.sim.room.PanelBrowser.awaitKind;
import static io.roomwire.sim.room.PanelBrowser.cell;
import static io.roomwire.sim.room.PanelBrowser.click;
import static io.roomwire.sim.room.PanelBrowser.fetchRoundTrips;
import static io.roomwire.sim.room.PanelBrowser.kind;
import static io.roomwire.sim.room.PanelBrowser.latencies;
import static io.roomwire.sim.room.PanelBrowser.meta;
import static io.roomwire.sim.room.PanelBrowser.pct;
import static io.roomwire.sim.room.PanelBrowser.rssKb;

import io.roomwire.core.time.SystemScheduler;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.hal.web.WebTouchPanel;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.ua.SipJoinPath;
import io.roomwire.sim.cloud.graph.Booking;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The touch panel's web page in a real browser (Debian's headless Chromium through chromedriver)
 * against a real agent and the simulated cloud: sign in, Join, the call screen with moving figures,
 * keypad, hang up, a refused call, the admin page, two pages in sync, and an agent restart the page
 * recovers from. Writes a screenshot of every screen to docs/panel/.
 */
class WebPanelBrowserTest {

    private static final Path CHROMIUM = PanelBrowser.CHROMIUM;
    private static final Path CHROMEDRIVER = PanelBrowser.CHROMEDRIVER;
    private static final Path SHOTS = Path.of("../../docs/panel");
    private static final String HOSTILE = "<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> Board review";

    @TempDir
    Path dir;

    private final SystemScheduler scheduler = new SystemScheduler(4);
    private final List<ChromeDriver> browsers = new ArrayList<>();
    private SimCloud cloud;
    private final List<String> callEvents = new java.util.concurrent.CopyOnWriteArrayList<>();
    private SimulatedRoom room;
    /** The first room's SIP port, fixed so that the incoming-call caller can reach it. */
    private final int sipPort = freeTcpPort();

    @BeforeEach
    void needsChromium() {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "The web panel tests need Debian's chromium and chromium-driver (" + CHROMIUM + ", " + CHROMEDRIVER
                        + "): run bin/test, which installs them, or apt-get install chromium chromium-driver");
    }

    @AfterEach
    void tearDown() {
        browsers.forEach(ChromeDriver::quit);
        if (room != null) {
            room.close();
        }
        if (cloud != null) {
            cloud.close();
        }
        scheduler.close();
    }

    @Test
    void aPersonSignsInJoinsUsesTheKeypadHangsUpAndThePageRecoversFromAnAgentRestart() throws Exception {
        cloud = SimCloud.start(dir.resolve("cloud"), scheduler.clock(), Duration.ofSeconds(15));
        cloud.addRoom("401", "Room 401");
        cloud.bookMeetingNow("401", ZoneOffset.UTC);
        cloud.bookDemoMeetings("401", ZoneOffset.UTC);
        ZonedDateTime now = scheduler.now().atZone(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        cloud.graph().book(SimCloud.roomAccount("401"), Booking.of(HOSTILE, now.minusMinutes(2), Duration.ofMinutes(60))
                .organizer("Mallory <b>Evil</b>", "mallory@" + SimCloud.DOMAIN).build());
        // Browsers first: a cold Chromium start on a busy machine must not eat the sign-in window.
        ChromeDriver page = browser(1280, 800);
        ChromeDriver second = browser(1280, 800);
        // Agent start on its own thread; the page loads as soon as the panel listens, as a kiosk's would.
        room = buildRoom(0, sipPort);
        room.events().subscribe(e -> {
            if (e.type().startsWith("call.")) {
                callEvents.add(e.toString());
            }
        });
        java.util.concurrent.atomic.AtomicLong hardwareFirst = new java.util.concurrent.atomic.AtomicLong();
        room.panel().observe(sc -> hardwareFirst.compareAndSet(0, System.currentTimeMillis()));
        long t0 = System.currentTimeMillis();
        SimulatedRoom starting = room;
        Thread start = new Thread(starting::start, "test-agent-start");
        start.start();
        WebTouchPanel web = room.webPanel().orElseThrow();
        await(web::running, Duration.ofSeconds(30), null);
        long listening = System.currentTimeMillis();
        String url = web.url();
        int port = URI.create(url).getPort();
        page.get(url);
        awaitKind(page, "device-code", Duration.ofSeconds(20));
        long firstPaint = PanelBrowser.firstPaintEpochMillis(page);
        start.join(Duration.ofSeconds(60).toMillis());
        WebElement code = page.findElement(By.id("user-code"));
        assertEquals(room.panel().current().orElseThrow().data().get("user_code"), code.getText());
        assertTrue(page.findElement(By.cssSelector("svg.qr path")).getAttribute("d").startsWith("M"), "QR code drawn as SVG");
        assertTrue(page.findElement(By.id("countdown")).getText().startsWith("Code expires in"));
        screenshot(page, "1-sign-in");

        // The simulated admin approves; the meeting list with its Join buttons follows.
        awaitKind(page, "home", Duration.ofSeconds(60));
        await(() -> !page.findElements(By.cssSelector("button[aria-label*='" + SimCloud.DEMO_SUBJECT + "']")).isEmpty()
                && page.getPageSource().contains("window.pwned"), Duration.ofSeconds(30), page);
        String text = page.findElement(By.id("screen")).getText();
        assertTrue(text.contains(HOSTILE), "the hostile title is shown as text: " + text);
        assertTrue(text.contains("Mallory <b>Evil</b>"), text);
        assertTrue(text.contains("Private meeting"), text);
        assertTrue(text.contains("Cancelled") || text.contains("Declined"), text);
        assertEquals(null, page.executeScript("return window.pwned"), "no script from a meeting title ran");
        assertTrue(page.findElements(By.cssSelector("#screen script, #screen img")).isEmpty(), "no markup from a title");
        screenshot(page, "2-home");
        page.manage().window().setSize(new Dimension(1920, 1080));
        screenshot(page, "2-home-1920x1080");
        page.manage().window().setSize(new Dimension(1280, 800));
        assertTargetsAtLeast48px(page);

        // A second page stays in sync with the first.
        second.get(url);
        awaitKind(second, "home", Duration.ofSeconds(10));

        click(page, "button[aria-label*='" + SimCloud.DEMO_SUBJECT + "']");
        awaitKind(page, "call", Duration.ofSeconds(15));
        awaitKind(second, "call", Duration.ofSeconds(5));
        await(() -> cell(page, "audio", "received") > 0, Duration.ofSeconds(20), page);
        long before = cell(page, "audio", "received");
        await(() -> cell(page, "audio", "received") > before, Duration.ofSeconds(10), page);
        await(() -> !page.findElement(By.id("duration")).getText().equals("0:00"), Duration.ofSeconds(5), page);

        for (String d : List.of("1", "2", "3", "#")) {
            click(page, "button[data-digit='" + d + "']");
        }
        var gatewayCall = cloud.gateway().lastCall().orElseThrow();
        try {
            await(() -> gatewayCall.digits().equals("123#"), Duration.ofSeconds(10), page);
        } catch (AssertionError e) {
            throw new AssertionError("gateway " + gatewayCall + " / " + cloud.gateway().lastCall() + " events " + callEvents, e);
        }
        assertEquals("123#", page.findElement(By.id("sent-digits")).getText());

        // Press-to-screen latency: the mute toggle redraws the call screen; a plain fetch is the reference.
        for (int i = 0; i < 20; i++) {
            int n = i;
            click(page, "button[data-button='call.mute']");
            await(() -> latencies(page).size() > n, Duration.ofSeconds(5), page);
        }
        assertEquals("false", page.findElement(By.cssSelector("button[data-button='call.mute']")).getAttribute("aria-pressed"));
        click(page, "button[data-button='call.mute']");
        await(() -> "true".equals(page.findElement(By.cssSelector("button[data-button='call.mute']")).getAttribute("aria-pressed")),
                Duration.ofSeconds(5), page);
        assertTargetsAtLeast48px(page);
        List<Double> press = latencies(page).subList(0, 20);
        List<Double> fetch = fetchRoundTrips(page, 20);
        screenshot(page, "3-in-call");

        click(page, "button[data-button='call.hangup']");
        awaitKind(page, "home", Duration.ofSeconds(15));
        awaitKind(second, "home", Duration.ofSeconds(5));
        assertTrue(gatewayCall.byeFromRoom(), "the room hung up with BYE");

        // An incoming call: a second SIP user agent calls the room over TLS; the page offers Answer and Decline.
        try (SipJoinPath caller = caller()) {
            caller.start();
            Call ringing = caller.dial(JoinTarget.sip("sips:room401@127.0.0.1:" + sipPort, "sip", "browser-test"));
            awaitKind(page, "incoming-call", Duration.ofSeconds(20));
            assertTrue(page.findElement(By.id("screen")).getText().contains("Reception desk"),
                    page.findElement(By.id("screen")).getText());
            assertTargetsAtLeast48px(page);
            screenshot(page, "7-incoming-call");
            click(page, "button[data-button^='call.decline.']");
            awaitKind(page, "home", Duration.ofSeconds(15));
            await(() -> ringing.state() == CallState.ENDED, Duration.ofSeconds(15), page);
            assertEquals(603, ringing.end().orElseThrow().status(), "declined in the room: " + ringing.end());
        }

        // A gateway that refuses the call: the page says so.
        cloud.gateway().busy(true);
        click(page, "button[aria-label*='" + SimCloud.DEMO_SUBJECT + "']");
        awaitKind(page, "call-failed", Duration.ofSeconds(20));
        assertTrue(page.findElement(By.id("screen")).getText().contains("Couldn't join: Busy (486)"),
                page.findElement(By.id("screen")).getText());
        screenshot(page, "4-join-failed");
        click(page, "button[data-button='call.dismiss']");
        awaitKind(page, "home", Duration.ofSeconds(10));
        cloud.gateway().busy(false);

        // The admin page, behind its PIN.
        page.findElement(By.id("admin-open")).click();
        page.findElement(By.id("admin-pin")).sendKeys("0000");
        click(page, "#admin-form button[type=submit]");
        await(() -> page.findElement(By.id("admin-error")).getText().contains("Wrong PIN"), Duration.ofSeconds(5), page);
        page.findElement(By.id("admin-pin")).sendKeys("482913");
        click(page, "#admin-form button[type=submit]");
        await(() -> page.findElement(By.id("admin-body")).getText().contains("RW-SIM-0401"), Duration.ofSeconds(5), page);
        String admin = page.findElement(By.id("admin-body")).getText();
        assertTrue(admin.contains("Services") && admin.contains("sip") && admin.contains("Peripherals")
                && admin.contains("Version"), admin);
        screenshot(page, "5-admin");
        page.findElement(By.id("admin-close")).click();

        // The agent restarts: the page says it is reconnecting, then shows the new boot's screen and works.
        String bootBefore = meta(page, "roomwire-boot");
        room.close();
        await(() -> page.findElement(By.id("link")).getText().contains("Reconnecting"), Duration.ofSeconds(10), page);
        screenshot(page, "6-reconnecting");
        room = startRoom(port);
        await(() -> !meta(page, "roomwire-boot").equals(bootBefore) && "home".equals(kind(page)), Duration.ofSeconds(60), page);
        await(() -> !page.findElements(By.cssSelector("button[aria-label*='" + SimCloud.DEMO_SUBJECT + "']")).isEmpty(),
                Duration.ofSeconds(30), page);
        click(page, "button[aria-label*='" + SimCloud.DEMO_SUBJECT + "']");
        awaitKind(page, "call", Duration.ofSeconds(15));
        click(page, "button[data-button='call.hangup']");
        awaitKind(page, "home", Duration.ofSeconds(15));

        long rss = rssKb();
        System.out.printf(Locale.ROOT, "BENCH web panel: agent start -> panel listening %d ms, -> first screen on the"
                        + " hardware panel %d ms (reference), -> first screen painted in the browser %d ms;"
                        + " press->screen p50 %.1f ms p95 %.1f ms (reference fetch round trip p50 %.1f ms p95 %.1f ms);"
                        + " test JVM RSS %d MB with the panel served to 2 pages%n",
                listening - t0, hardwareFirst.get() - t0, firstPaint - t0, pct(press, 50), pct(press, 95),
                pct(fetch, 50), pct(fetch, 95), rss / 1024);
    }

    @Test
    void pressesFromAnotherOriginOrWithoutTheTokenAreRefused() throws Exception {
        room = SimulatedRoom.builder().scheduler(scheduler).stateDir(dir).build();
        room.start();
        WebTouchPanel web = room.webPanel().orElseThrow();
        await(web::running, Duration.ofSeconds(10), null);
        String url = web.url();
        HttpClient http = HttpClient.newHttpClient();
        String host = URI.create(url).getAuthority();
        HttpResponse<String> evil = http.send(HttpRequest.newBuilder(URI.create(url + "press"))
                .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString("{\"digits\":\"1\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, evil.statusCode());
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(url + "press"))
                .header("Content-Type", "application/json").header("Origin", "http://" + host)
                .POST(HttpRequest.BodyPublishers.ofString("{\"digits\":\"1\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(403, noToken.statusCode());
        String index = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).body();
        String token = index.replaceAll("(?s).*name=\"roomwire-token\" content=\"([0-9a-f]+)\".*", "$1");
        HttpResponse<String> huge = http.send(HttpRequest.newBuilder(URI.create(url + "press"))
                .header("Content-Type", "application/json").header("Origin", "http://" + host).header("X-Roomwire-Token", token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"digits\":\"" + "1".repeat(10_000) + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(413, huge.statusCode());
        HttpResponse<String> gone = http.send(HttpRequest.newBuilder(URI.create(url + "press"))
                .header("Content-Type", "application/json").header("Origin", "http://" + host).header("X-Roomwire-Token", token)
                .POST(HttpRequest.BodyPublishers.ofString("{\"button\":\"not-on-screen\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(409, gone.statusCode());
        // DNS rebinding: a page served under another host name that resolves here gets nothing.
        try (java.net.Socket raw = new java.net.Socket("127.0.0.1", URI.create(url).getPort())) {
            raw.getOutputStream().write(("GET / HTTP/1.1\r\nHost: attacker.example:" + URI.create(url).getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String status = new String(raw.getInputStream().readNBytes(12), java.nio.charset.StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 421", status);
        }
    }

    // ---- fixtures

    private SimulatedRoom buildRoom(int port) throws Exception {
        return buildRoom(port, 0);
    }

    /** {@code sip}: the room's SIP port, given when a caller must reach it; 0 picks any. */
    private SimulatedRoom buildRoom(int port, int sip) throws Exception {
        return SimulatedRoom.builder().scheduler(scheduler).stateDir(dir.resolve("agent")).cloud(cloud)
                .set("panel.http-port", Integer.toString(port)).set("panel.admin-pin", "482913")
                .set("sip.local-port", Integer.toString(sip)).build();
    }

    /** A caller from outside the room: its own SIP user agent over TLS, trusting the simulated cloud's CA. */
    private SipJoinPath caller() {
        SipSettings settings = SipSettings.builder().transport(SipTransport.TLS).localAddress("127.0.0.1")
                .user("reception").displayName("Reception desk").domain(SimCloud.DOMAIN).build();
        return SipJoinPath.builder(settings, scheduler).codec(new SimCodec(scheduler))
                .sslContext(cloud.pki().sslContext(cloud.pki().issueServer("reception." + SimCloud.DOMAIN))).build();
    }

    private static int freeTcpPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port for the room's SIP listener: " + e.getMessage(), e);
        }
    }

    private SimulatedRoom startRoom(int port) throws Exception {
        SimulatedRoom r = buildRoom(port);
        r.start();
        return r;
    }

    private ChromeDriver browser(int width, int height) throws IOException {
        ChromeDriver d = PanelBrowser.open(dir, width, height);
        browsers.add(d);
        return d;
    }

    /** Touch targets of at least 48 px, and every button named for a screen reader (its text or aria-label). */
    private static void assertTargetsAtLeast48px(ChromeDriver page) {
        Object unnamed = page.executeScript("return [...document.querySelectorAll('button')].filter(b =>"
                + " !(b.getAttribute('aria-label') || b.textContent).trim()).length");
        assertEquals(0L, ((Number) unnamed).longValue(), "buttons without an accessible name");
        List<WebElement> buttons = page.findElements(By.cssSelector("button"));
        for (WebElement b : buttons) {
            if (b.isDisplayed()) {
                Dimension d = b.getSize();
                assertTrue(d.getHeight() >= 48 && d.getWidth() >= 48, "touch target " + b.getText() + " is " + d);
            }
        }
    }

    private static void screenshot(ChromeDriver page, String name) throws IOException {
        Files.createDirectories(SHOTS);
        File f = ((TakesScreenshot) page).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
