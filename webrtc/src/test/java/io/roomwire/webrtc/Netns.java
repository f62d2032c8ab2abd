package io.roomwire.webrtc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace a test creates, next to the test JVM's own (src/test/netns/bin/java): held by an
 * {@code unshare -n} process that ends with the JVM (its stdin closes), scripted with {@code ip} and {@code nft}
 * through {@code nsenter}. {@link #call} runs Java code on a thread that entered the namespace (setns(2) through
 * JNA): native threads that code starts, such as a webrtc-java factory's network thread, stay in it, so one JVM
 * holds peers on both sides of a NAT. The one place for the webrtc tests' namespace scripting.
 */
final class Netns implements AutoCloseable {

    private static final Duration COMMAND_BOUND = Duration.ofSeconds(30);
    /** CLONE_NEWNET from linux/sched.h: setns(2) is to join a network namespace. */
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;

    private interface LibC extends Library {
        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private final String name;
    private final Process holder;

    private Netns(String name, Process holder) {
        this.name = name;
        this.holder = holder;
    }

    /** A new namespace with its loopback up; {@code name} only names it in errors. */
    static Netns create(String name) throws IOException {
        Process p = new ProcessBuilder("unshare", "-n", "sh", "-c", "ip link set lo up && echo ready && exec cat >/dev/null")
                .redirectErrorStream(true).start();
        byte[] ready = p.getInputStream().readNBytes(6);
        if (!new String(ready, StandardCharsets.US_ASCII).equals("ready\n")) {
            String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.destroyForcibly();
            throw new IOException("cannot create network namespace " + name + " with unshare -n: "
                    + new String(ready, StandardCharsets.UTF_8) + rest
                    + " (the test JVM needs CAP_SYS_ADMIN in its user namespace; src/test/netns/bin/java gives it that)");
        }
        return new Netns(name, p);
    }

    /** The holder's pid: {@code ip link ... netns <pid>} moves an interface into this namespace. */
    String pid() {
        return Long.toString(holder.pid());
    }

    /** Runs a command in this namespace and returns its output; a non-zero exit is an IOException with the output. */
    String run(String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of("nsenter", "-t", pid(), "-n", "--"));
        c.addAll(List.of(command));
        return exec(name, c);
    }

    /** Starts a long-running process in this namespace (its output as {@code pb} redirects it). */
    Process start(ProcessBuilder pb) throws IOException {
        List<String> c = new ArrayList<>(List.of("nsenter", "-t", pid(), "-n", "--"));
        c.addAll(pb.command());
        return pb.command(c).start();
    }

    /** Runs a command in the test JVM's own namespace (where the room is). */
    static String here(String... command) throws IOException {
        return exec("of the test JVM", List.of(command));
    }

    /**
     * Runs {@code body} on a new thread that joined this namespace and returns its result: sockets that thread opens,
     * and the threads it starts, are in this namespace for good. The calling thread stays where it is.
     */
    <T> T call(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                LibC libc = Native.load("c", LibC.class);
                int fd = libc.open("/proc/" + pid() + "/ns/net", O_RDONLY);
                try {
                    libc.setns(fd, CLONE_NEWNET);
                } finally {
                    libc.close(fd);
                }
                result.complete(body.call());
            } catch (LastErrorException e) {
                result.completeExceptionally(new IOException("setns into network namespace " + name + " failed: errno "
                        + e.getErrorCode(), e));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "netns-" + name);
        t.setDaemon(true);
        t.start();
        try {
            return result.get(COMMAND_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static String exec(String where, List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(output unreadable: " + e + ")";
            }
        });
        try {
            if (!p.waitFor(COMMAND_BOUND.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("not done within " + COMMAND_BOUND.toSeconds() + " s in the namespace " + where + ": " + command);
            }
            String text = out.get(5, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException(command + " in the namespace " + where + " exited " + p.exitValue() + ": " + text.strip());
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command, e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException("output of " + command + ": " + e, e);
        }
    }

    /** Ends the holder; the namespace goes once the last process in it (a server started with {@link #start}) has ended. */
    @Override
    public void close() {
        try (OutputStream in = holder.getOutputStream()) {
            in.flush();
        } catch (IOException e) {
            // closing stdin is what ends the holder's cat; a failure here leaves destroy() below to do it
        }
        holder.destroy();
        try {
            if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            holder.destroyForcibly();
        }
    }
}
