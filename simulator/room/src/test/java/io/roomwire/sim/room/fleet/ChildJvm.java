package io.roomwire.sim.room.fleet;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A child JVM a fleet test starts on this JVM's class path: its output (stdout and stderr) collected line by line
 * by a reader thread, and its stdin taking the test's commands, one a line. The tests' own classes add what they
 * read from the lines and how the child is stopped.
 */
class ChildJvm {

    final Process process;
    /** Every line the child printed so far, in order. */
    final List<String> lines = new CopyOnWriteArrayList<>();

    private final Writer commands;

    /**
     * Starts {@code main} with {@code args}.
     *
     * @param prefix the command the JVM runs under (for example {@code ip netns exec NAME}), or empty
     * @param readerName the name of the thread that reads the child's output
     */
    ChildJvm(List<String> prefix, Class<?> main, List<String> args, String readerName) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                lines.add("(output ended: " + e + ")");
            }
        }, readerName);
        reader.setDaemon(true);
        reader.start();
    }

    /** Sends one command line to the child's stdin. */
    void send(String command) throws IOException {
        commands.write(command + "\n");
        commands.flush();
    }

    /** Closes the child's stdin: a child that reads commands until the end of its input then stops. */
    void closeInput() throws IOException {
        commands.close();
    }

    /** The child's last 60 lines, for a failure's message. */
    String output() {
        List<String> l = lines;
        return String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()));
    }
}
