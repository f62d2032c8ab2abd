package io.roomwire.agent.lifecycle;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Sends sd_notify messages by running {@code systemd-notify}: the notify socket is an AF_UNIX
 * datagram socket, which Java 17's channels cannot open (JEP 380 covers stream sockets only), and
 * this keeps native code and a library out of the image. The unit therefore sets
 * {@code NotifyAccess=all} (the sender is the agent's child); since systemd 246 systemd-notify waits
 * until the manager has read the message, so it is not lost when the child exits first.
 */
public final class SystemdNotifyCommand implements ServiceManagerNotifier.Channel {

    /** A hung service manager must not hold the health loop for long. */
    private static final long TIMEOUT_SECONDS = 5;

    private final Path executable;
    private final Map<String, String> env;

    public SystemdNotifyCommand(Path executable, Map<String, String> env) {
        this.executable = executable;
        this.env = Map.copyOf(env);
    }

    /** {@code systemd-notify} from the PATH in {@code env}. */
    public static SystemdNotifyCommand onPath(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "systemd-notify");
            if (Files.isExecutable(candidate)) {
                return new SystemdNotifyCommand(candidate, env);
            }
        }
        throw new IllegalStateException("NOTIFY_SOCKET is set (systemd started the agent as Type=notify) but"
                + " systemd-notify is not on PATH (" + path + "): install systemd, or set Type=simple in the unit");
    }

    @Override
    public void send(List<String> assignments) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(executable.toString());
        cmd.addAll(assignments);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try (InputStream out = p.getInputStream()) {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(executable + " did not return within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(executable + " exited " + p.exitValue() + ": "
                        + new String(out.readAllBytes(), StandardCharsets.UTF_8).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + executable, e);
        }
    }
}
