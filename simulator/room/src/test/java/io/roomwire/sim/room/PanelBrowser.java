package io.roomwire.sim.room;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The touch panel's page in Debian's headless Chromium (through chromedriver, given by path so that
 * nothing is downloaded), and what a person does with it: the fixture of {@code WebPanelBrowserTest}
 * and of {@code bench.WebPanelBench}.
 */
public final class PanelBrowser {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private PanelBrowser() {
    }

    /** A fresh headless browser of this window size, its profile under {@code dir}. */
    public static ChromeDriver open(Path dir, int width, int height) throws IOException {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=" + width + "," + height,
                "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-").toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogOutput(java.io.OutputStream.nullOutputStream()).build();
        return new ChromeDriver(service, o);
    }

    /** Milliseconds since the epoch when the page painted its first screen. */
    public static long firstPaintEpochMillis(ChromeDriver page) {
        return Math.round(((Number) page.executeScript(
                "return performance.timeOrigin + window.roomwirePanel.firstScreenAt")).doubleValue());
    }

    /** Clicks like a finger: retries while the element is being redrawn, within a bound. */
    public static void click(ChromeDriver page, String css) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            try {
                page.findElement(By.cssSelector(css)).click();
                return;
            } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                LockSupport.parkNanos(20_000_000);
            }
        }
    }

    public static String kind(ChromeDriver page) {
        return (String) page.executeScript("return document.body.dataset.kind || ''");
    }

    public static String meta(ChromeDriver page, String name) {
        return (String) page.executeScript("return document.querySelector('meta[name=\"' + arguments[0] + '\"]').content", name);
    }

    public static void awaitKind(ChromeDriver page, String kind, Duration limit) {
        await(() -> kind.equals(kind(page)), limit, page);
    }

    /** Polls a condition against the real browser and agent, within a bound. */
    public static void await(BooleanSupplier condition, Duration limit, ChromeDriver page) {
        long deadline = System.nanoTime() + limit.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
                last = null;
            } catch (RuntimeException e) {
                last = e; // the page is between renders (stale element) or reloading
            }
            LockSupport.parkNanos(50_000_000);
        }
        throw new AssertionError("condition not met within " + limit + (page == null ? ""
                : "; page shows kind '" + safeKind(page) + "': " + safeText(page)), last);
    }

    public static String safeKind(ChromeDriver page) {
        try {
            return kind(page);
        } catch (RuntimeException e) {
            return "?";
        }
    }

    public static String safeText(ChromeDriver page) {
        try {
            return page.findElement(By.tagName("body")).getText();
        } catch (RuntimeException e) {
            return e.toString();
        }
    }

    public static long cell(ChromeDriver page, String kind, String column) {
        List<WebElement> c = page.findElements(By.cssSelector("tr[data-kind='" + kind + "'] td." + column));
        return c.isEmpty() ? -1 : Long.parseLong(c.get(0).getText());
    }

    @SuppressWarnings("unchecked")
    public static List<Double> latencies(ChromeDriver page) {
        List<Object> raw = (List<Object>) page.executeScript("return window.roomwirePanel.latencies.map(l => l.ms)");
        return raw.stream().map(o -> ((Number) o).doubleValue()).toList();
    }

    @SuppressWarnings("unchecked")
    public static List<Double> fetchRoundTrips(ChromeDriver page, int n) {
        List<Object> raw = (List<Object>) ((JavascriptExecutor) page).executeAsyncScript(
                "const done = arguments[arguments.length - 1]; const out = [];"
                        + "(async () => { for (let i = 0; i < " + n + "; i++) { const t = performance.now();"
                        + " await (await fetch('/app.css', {cache: 'no-store'})).text(); out.push(performance.now() - t); }"
                        + " done(out); })();");
        return raw.stream().map(o -> ((Number) o).doubleValue()).toList();
    }

    public static double pct(List<Double> values, int p) {
        List<Double> s = values.stream().sorted().toList();
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
    }

    public static long rssKb() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
