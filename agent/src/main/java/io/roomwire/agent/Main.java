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
        io.roomwire.agent.lifecycle.WarmUp.start(); // the spare core: jars, TLS, Paho
        int code = cli().run(args, new Cli.Io(System.out, System.err, System.getenv()));
        if (code != Cli.OK || args.length == 0 || !"run".equals(args[0])) {
            System.exit(code);
        }
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
