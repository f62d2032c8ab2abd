package io.roomwire.agent.call;

import com.google.gson.JsonObject;
import io.roomwire.agent.cli.Args;
import io.roomwire.agent.cli.Cli;
import io.roomwire.agent.cli.UsageException;
import io.roomwire.webrtc.NativeWebRtc;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code roomwire webrtc check [--json]}: loads webrtc-java's native library as the first WebRTC
 * join would (the same {@link NativeWebRtc}), so an installer can see whether Teams-only meetings
 * can be joined on this device (the roomwire-webrtc package installed, libpulse0 present).
 */
public final class WebRtcCli implements Cli.Command {

    static final String USAGE = """
            usage: roomwire webrtc check [--json]

            Loads the WebRTC native library (webrtc-java) as a WebRTC join would and prints whether it
            loaded; without it (Debian: the roomwire-webrtc package) Teams-only meetings get no WebRTC
            join and SIP joins work as before. Exit 0 loaded, 1 not loadable (the reason is printed).
              --json       the outcome as one JSON object
            """;

    private final Supplier<NativeWebRtc> natives;

    public WebRtcCli() {
        this(NativeWebRtc::new);
    }

    WebRtcCli(Supplier<NativeWebRtc> natives) {
        this.natives = natives;
    }

    @Override
    public String usage() {
        return USAGE;
    }

    @Override
    public int run(List<String> words, Cli.Io io) throws UsageException {
        Args a = Args.parse("webrtc", words, Set.of(), Set.of("--json"));
        a.expectPositional("webrtc", 1, 1, "check [--json]");
        if (!"check".equals(a.positional().get(0))) {
            throw new UsageException("roomwire webrtc: unknown sub-command '" + a.positional().get(0) + "' (expected: check)");
        }
        NativeWebRtc webrtc = natives.get();
        long t0 = System.nanoTime();
        String failure = null;
        try {
            webrtc.get();
        } catch (IllegalStateException e) {
            failure = e.getMessage();
        } finally {
            webrtc.release();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        if (a.flag("--json")) {
            JsonObject o = new JsonObject();
            o.addProperty("loaded", failure == null);
            if (failure == null) {
                o.addProperty("loadMillis", ms);
            } else {
                o.addProperty("reason", failure);
            }
            io.out().println(o);
        } else if (failure == null) {
            io.out().println("WebRTC native library: loaded in " + ms + " ms");
        } else {
            io.out().println("WebRTC native library: not loadable: " + failure);
        }
        return failure == null ? Cli.OK : Cli.FAILED;
    }
}
