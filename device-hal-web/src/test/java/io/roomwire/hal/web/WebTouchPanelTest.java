package io.roomwire.hal.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.PanelButton;
import io.roomwire.hal.PanelEvent;
import io.roomwire.hal.Screen;
import io.roomwire.hal.sim.SimTouchPanel;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebTouchPanelTest {

    private final VirtualScheduler scheduler = new VirtualScheduler();
    private final SimTouchPanel hardware = new SimTouchPanel();
    private final HttpClient http = HttpClient.newHttpClient();
    private WebTouchPanel web;

    @AfterEach
    void close() {
        if (web != null) {
            web.close();
        }
    }

    private WebTouchPanel started(Optional<String> adminPin) throws Exception {
        web = WebTouchPanel.builder(hardware, scheduler).port(0).adminPin(adminPin)
                .adminInfo(() -> List.of(new AdminSection("Device", List.of(AdminSection.Row.of("Serial number", "RW-1")))))
                .build();
        web.start();
        return web;
    }

    private static Screen home(String title) {
        return new Screen("home", title, List.of("No meetings today"), List.of(new PanelButton("join-1", "Join", title)), Map.of());
    }

    /** Reads one page's event stream on its own thread; each {@code state} event's JSON lands in the queue. */
    private BlockingQueue<String> openPage() throws Exception {
        BlockingQueue<String> states = new LinkedBlockingQueue<>();
        HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(URI.create(web.url() + "events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("data: ")) {
                        states.add(line.substring(6));
                    }
                }
            } catch (Exception e) {
                // the panel closed the stream
            }
        }, "test-sse");
        reader.setDaemon(true);
        reader.start();
        return states;
    }

    private static String next(BlockingQueue<String> q) throws InterruptedException {
        String s = q.poll(10, TimeUnit.SECONDS);
        if (s == null) {
            throw new AssertionError("no state event within 10 s");
        }
        return s;
    }

    private String token() throws Exception {
        String index = http.send(HttpRequest.newBuilder(URI.create(web.url())).build(), HttpResponse.BodyHandlers.ofString()).body();
        return index.replaceAll("(?s).*name=\"roomwire-token\" content=\"([0-9a-f]+)\".*", "$1");
    }

    private HttpResponse<String> post(String path, String token, String body) throws Exception {
        String origin = "http://" + URI.create(web.url()).getAuthority();
        return http.send(HttpRequest.newBuilder(URI.create(web.url() + path)).header("Content-Type", "application/json")
                .header("Origin", origin).header("X-Roomwire-Token", token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPageThatConnectsGetsTheCurrentScreenAndEveryOpenPageGetsEachChange() throws Exception {
        started(Optional.empty());
        web.show(home("Room 401"));
        BlockingQueue<String> first = openPage();
        assertTrue(next(first).contains("\"title\":\"Room 401\""));
        BlockingQueue<String> second = openPage();
        assertTrue(next(second).contains("\"title\":\"Room 401\""));

        web.show(home("Room 402"));
        web.banner(Optional.of("Device not compliant: firmware 1.2.0 < 1.4"));
        assertTrue(next(first).contains("Room 402") && next(second).contains("Room 402"));
        String banner = next(first);
        assertTrue(banner.contains("\"banner\":\"Device not compliant: firmware 1.2.0 \\u003c 1.4\""), banner);
        assertEquals(banner.replaceAll("\"seq\":\\d+", ""), next(second).replaceAll("\"seq\":\\d+", ""));
        assertEquals("Room 402", hardware.current().orElseThrow().title(), "the hardware panel shows it too");
    }

    @Test
    void aPressFromThePageReachesTheSameListenersAsTheHardwaresOwn() throws Exception {
        started(Optional.empty());
        List<PanelEvent> got = new CopyOnWriteArrayList<>();
        web.onEvent(got::add);
        web.show(home("Room 401"));
        String token = token();
        assertEquals(204, post("press", token, "{\"button\":\"join-1\"}").statusCode());
        assertEquals(204, post("press", token, "{\"digits\":\"12#\"}").statusCode());
        assertEquals(400, post("press", token, "{\"digits\":\"12<script>\"}").statusCode());
        assertEquals(409, post("press", token, "{\"button\":\"gone\"}").statusCode());
        hardware.press("join-1");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.size() < 3 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(List.of(new PanelEvent.ButtonPressed("join-1"), new PanelEvent.KeypadDigits("12#"),
                new PanelEvent.ButtonPressed("join-1")), got);
    }

    @Test
    void refusesPressesWithoutTheBootTokenOrFromAnotherOrigin() throws Exception {
        started(Optional.empty());
        web.show(home("Room 401"));
        assertEquals(403, post("press", "0000", "{\"button\":\"join-1\"}").statusCode());
        HttpResponse<String> foreign = http.send(HttpRequest.newBuilder(URI.create(web.url() + "press"))
                .header("Content-Type", "application/json").header("Origin", "http://evil.example")
                .header("X-Roomwire-Token", token()).POST(HttpRequest.BodyPublishers.ofString("{\"button\":\"join-1\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, foreign.statusCode());
        assertEquals(413, post("press", token(), "{\"digits\":\"" + "1".repeat(5000) + "\"}").statusCode());
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(web.url())).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("script-src 'self'"));
    }

    @Test
    void theAdminPageNeedsItsPinAndLocksAfterFiveWrongOnes() throws Exception {
        started(Optional.of("482913"));
        String token = token();
        HttpResponse<String> ok = post("admin", token, "{\"pin\":\"482913\"}");
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("RW-1"), ok.body());
        for (int i = 0; i < 5; i++) {
            assertEquals(403, post("admin", token, "{\"pin\":\"000000\"}").statusCode());
        }
        assertEquals(429, post("admin", token, "{\"pin\":\"482913\"}").statusCode());
        scheduler.advance(Duration.ofSeconds(61));
        assertEquals(200, post("admin", token, "{\"pin\":\"482913\"}").statusCode());
    }

    @Test
    void aBrowserOnAnotherHostSeesNothingUntilItPairsWithThePin() throws Exception {
        InetAddress lan = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(n -> java.util.Collections.list(n.getInetAddresses()).stream())
                .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).findFirst()
                .orElseThrow(() -> new AssertionError("this test needs a non-loopback IPv4 address on the machine"));
        web = WebTouchPanel.builder(hardware, scheduler).bind(lan).port(0).pairingPin(Optional.of("135790")).build();
        web.start();
        web.show(home("Room 401"));
        String base = web.url();
        String origin = "http://" + URI.create(base).getAuthority();
        assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "events")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        String unpaired = http.send(HttpRequest.newBuilder(URI.create(base)).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(unpaired.contains("name=\"roomwire-token\" content=\"\"") && unpaired.contains("content=\"yes\""), unpaired);
        HttpRequest.Builder pair = HttpRequest.newBuilder(URI.create(base + "pair")).header("Content-Type", "application/json")
                .header("Origin", origin);
        assertEquals(403, http.send(pair.copy().POST(HttpRequest.BodyPublishers.ofString("{\"pin\":\"000000\"}")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        HttpResponse<Void> paired = http.send(pair.copy().POST(HttpRequest.BodyPublishers.ofString("{\"pin\":\"135790\"}")).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(204, paired.statusCode());
        String cookie = paired.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertTrue(paired.headers().firstValue("Set-Cookie").orElseThrow().contains("HttpOnly"));
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "events")).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofInputStream()).statusCode());
        String page = http.send(HttpRequest.newBuilder(URI.create(base)).header("Cookie", cookie).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(page.matches("(?s).*name=\"roomwire-token\" content=\"[0-9a-f]{32}\".*"), page);
    }

    @Test
    void listeningBeyondLoopbackNeedsAPairingPin() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WebTouchPanel.builder(hardware, scheduler)
                .bind(InetAddress.getByAddress(new byte[] {0, 0, 0, 0})).build());
        assertTrue(e.getMessage().contains("panel.pairing-pin"), e.getMessage());
    }
}
