package io.roomwire.agent.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.roomwire.agent.Main;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.webrtc.NativeWebRtc;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The missing-library path of {@code roomwire webrtc check}; the loaded path runs in the image's InstalledPackageIT. */
class WebRtcCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Cli.Io io = new Cli.Io(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), Map.of());

    private static NativeWebRtc missing() {
        return new NativeWebRtc(() -> {
            throw new NoClassDefFoundError("dev/onvoid/webrtc/PeerConnectionFactory");
        });
    }

    @Test
    void missingLibraryIsReportedWithTheReasonAndExitsFailed() throws Exception {
        int code = new WebRtcCli(WebRtcCliTest::missing).run(List.of("check"), io);
        assertEquals(Cli.FAILED, code);
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("WebRTC native library: not loadable: "), text);
        assertTrue(text.contains("dev/onvoid/webrtc/PeerConnectionFactory") && text.contains("SIP joins are not affected"), text);
    }

    @Test
    void jsonCarriesTheReason() throws Exception {
        assertEquals(Cli.FAILED, new WebRtcCli(WebRtcCliTest::missing).run(List.of("check", "--json"), io));
        JsonObject o = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(false, o.get("loaded").getAsBoolean());
        assertTrue(o.get("reason").getAsString().contains("webrtc-java linux-x86_64 jar"), o.toString());
    }

    @Test
    void onlyCheckIsASubCommand() {
        assertThrows(UsageException.class, () -> new WebRtcCli(WebRtcCliTest::missing).run(List.of("load"), io));
        assertThrows(UsageException.class, () -> new WebRtcCli(WebRtcCliTest::missing).run(List.of(), io));
        assertTrue(Main.cli().run(new String[] {"webrtc", "--help"}, io) == Cli.OK);
    }
}
