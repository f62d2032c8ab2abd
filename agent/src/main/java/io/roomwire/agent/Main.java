package io.roomwire.agent;

import io.roomwire.agent.cli.Cli;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code roomwire}: the agent's entry point. */
public final class Main {

    /** When {@link #main} began (System.nanoTime), for the start-up phases line; -1 when it did not run. */
    static volatile long mainNanos = -1;

    private Main() {
    }

    public static void main(String[] args) {
        mainNanos = System.nanoTime();
        openClassPath();
        int code = cli().run(args, new Cli.Io(System.out, System.err, System.getenv()));
        if (code != Cli.OK || args.length == 0 || !"run".equals(args[0])) {
            System.exit(code);
        }
    }

    /**
     * Opens the class path's jars on a thread of their own while this one builds the CLI and starts logging.
     * The first class-path resource lookup (tinylog's service files, as its configuration loads) opens every
     * jar and reads its central directory: 65-80 ms for a checkout's 63 jars, one core busy while the other
     * waits. This is that lookup, done earlier and beside the main thread's work (tinylog's own start reads
     * the JVM's start time through JMX before it looks up anything): nothing is loaded or initialised, and if
     * it fails the lookup simply happens where it is needed.
     */
    private static void openClassPath() {
        Thread t = new Thread(() -> {
            try {
                Main.class.getClassLoader().getResource("META-INF/roomwire-opens-the-class-path");
            } catch (RuntimeException e) {
                // nothing to do: the class path opens at its first lookup instead
            }
        }, "roomwire-open-class-path");
        t.setDaemon(true);
        t.start();
    }

    /** Every command of the CLI. */
    public static Cli cli() {
        Map<String, Cli.Command> commands = new LinkedHashMap<>();
        commands.put("run", new RunCommand());
        commands.put("enroll", new io.roomwire.agent.signin.EnrollCommand());
        commands.put("mdm", new io.roomwire.agent.mdm.MdmCommand());
        commands.put("obtp", new io.roomwire.agent.obtp.ObtpCli());
        commands.put("dial", new io.roomwire.agent.call.DialCli());
        commands.put("diagnostics", new io.roomwire.agent.diag.DiagnosticsCommand());
        commands.put("webrtc", new io.roomwire.agent.call.WebRtcCli());
        commands.put("update", new io.roomwire.agent.update.UpdateCli());
        // The operator CLI has its own exit codes (docs/mqtt-api.md): 3 means broker unreachable or no reply.
        commands.put("ctl", Cli.command(io.roomwire.agent.mgmt.ctl.MgmtCtl.USAGE + "\n",
                (words, io) -> new io.roomwire.agent.mgmt.ctl.MgmtCtl().run(words, io.out(), io.err())));
        return new Cli(commands);
    }
}
