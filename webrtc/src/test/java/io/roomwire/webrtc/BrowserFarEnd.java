package io.roomwire.webrtc;

import com.sun.net.httpserver.HttpServer;
import io.roomwire.sim.cloud.webrtc.FarEnd;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A far end nobody here wrote: Debian's headless Chromium answers the room's offer behind
 * {@code SimWebRtcGateway}. A page served on 127.0.0.1 (a secure context, so getUserMedia works)
 * creates an RTCPeerConnection with Chromium's fake camera and microphone; the gateway's offers,
 * trickled candidates and hang-ups reach it through WebDriver, and {@link #report} reads getStats
 * in the page. The browser flags are those of the panel's fixture ({@code sim.room.PanelBrowser}),
 * plus the fake media devices and loopback candidates.
 */
final class BrowserFarEnd implements FarEnd, AutoCloseable {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** What the browser received and decoded on one session (getStats in the page). */
    record Report(String ice, String connection, long framesDecoded, long videoBytesReceived, long audioPacketsReceived,
                  double totalAudioEnergy, double audioLevel, long videoBytesSent, long audioBytesSent,
                  String videoCodec, String audioCodec) {
    }

    private final HttpServer page;
    private final ChromeDriver browser;

    BrowserFarEnd(Path dir) throws IOException {
        byte[] html;
        try (InputStream in = Objects.requireNonNull(BrowserFarEnd.class.getResourceAsStream("/browser/far-end.html"))) {
            html = in.readAllBytes();
        }
        page = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        page.createContext("/", ex -> {
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, html.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(html);
            }
        });
        page.start();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=640,360",
                "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
                // The test's network namespace has only 127.0.0.x: Chromium gathers on loopback only when told to,
                // and shows its host address rather than an mDNS name.
                "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-").toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogOutput(OutputStream.nullOutputStream()).build();
        ChromeDriver b;
        try {
            b = new ChromeDriver(service, o);
            b.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
            b.get("http://127.0.0.1:" + page.getAddress().getPort() + "/");
        } catch (RuntimeException e) {
            page.stop(0);
            throw e;
        }
        browser = b;
    }

    @Override
    public synchronized String answer(String sessionId, String offerSdp) {
        String answer = (String) browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.farEnd.answer(arguments[0], arguments[1], 3000).then(done, e => done('ERROR ' + e));",
                sessionId, offerSdp);
        if (answer == null || answer.startsWith("ERROR")) {
            throw new IllegalStateException("the browser did not answer: " + answer);
        }
        return answer;
    }

    @Override
    public synchronized void addCandidate(String sessionId, String mid, String candidate) {
        browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "window.farEnd.addCandidate(arguments[0], arguments[1], arguments[2]).then(() => done(''), e => done('' + e));",
                sessionId, mid, candidate);
    }

    @Override
    public synchronized void close(String sessionId) {
        browser.executeScript("window.farEnd.close(arguments[0])", sessionId);
    }

    /** getStats of a session in the page, or {@code null} when the page has no such session. */
    @SuppressWarnings("unchecked")
    synchronized Report report(String sessionId) {
        Map<String, Object> r = (Map<String, Object>) browser.executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "window.farEnd.report(arguments[0]).then(done, e => done(null));", sessionId);
        if (r == null) {
            return null;
        }
        return new Report((String) r.get("ice"), (String) r.get("connection"), num(r, "framesDecoded"),
                num(r, "videoBytesReceived"), num(r, "audioPacketsReceived"), dbl(r, "totalAudioEnergy"),
                dbl(r, "audioLevel"), num(r, "videoBytesSent"), num(r, "audioBytesSent"),
                (String) r.get("videoCodec"), (String) r.get("audioCodec"));
    }

    /**
     * From now on, sessions decode the RFC 4733 telephone-events the room sends (a receive-side encoded transform
     * in the page, see far-end.html): {@link #dtmfHeard}.
     */
    synchronized void listenForDtmf() {
        browser.executeScript("window.farEnd.dtmf = true");
    }

    /** What a session's telephone-event decoder saw: the digits, in order, and how many event packets carried them. */
    record DtmfHeard(String digits, long eventPackets) {
    }

    @SuppressWarnings("unchecked")
    synchronized DtmfHeard dtmfHeard(String sessionId) {
        Map<String, Object> r = (Map<String, Object>) browser.executeScript("return window.farEnd.dtmfHeard(arguments[0])", sessionId);
        return r == null ? new DtmfHeard("", 0) : new DtmfHeard((String) r.get("digits"), num(r, "eventPackets"));
    }

    /** Session ids the page has open. */
    @SuppressWarnings("unchecked")
    synchronized java.util.List<String> sessions() {
        return (java.util.List<String>) browser.executeScript("return Object.keys(window.farEnd.pcs)");
    }

    private static long num(Map<String, Object> r, String k) {
        return r.get(k) instanceof Number n ? n.longValue() : 0;
    }

    private static double dbl(Map<String, Object> r, String k) {
        return r.get(k) instanceof Number n ? n.doubleValue() : 0;
    }

    @Override
    public synchronized void close() {
        try {
            browser.quit();
        } finally {
            page.stop(0);
        }
    }
}
