package io.roomwire.sim.cloud.hostile;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * One hostile-input suite run: counts inputs, records every unexpected throwable (a "crash": an
 * exception type the code under test does not promise, or an Error) with the input's index, and
 * finds threads that were started during the run and are still alive at its end.
 */
public final class HostileRun {

    /** The code under test; throwing one of the promised types is a clean refusal, not a crash. */
    @FunctionalInterface
    public interface Attempt {
        void run(int index) throws Exception;
    }

    private final String name;
    private final long seed;
    private final Set<Long> threadsBefore;
    private final long startedNanos = System.nanoTime();
    private final List<String> crashes = new ArrayList<>();
    private int inputs;
    private int refused;

    private HostileRun(String name, long seed) {
        this.name = name;
        this.seed = seed;
        this.threadsBefore = liveThreads().stream().map(Thread::getId).collect(Collectors.toSet());
    }

    /** Starts counting; call after the servers and clients the whole run shares are up. */
    public static HostileRun start(String name, long seed) {
        return new HostileRun(name, seed);
    }

    /** Tries one input; {@code promised} says which throwables are a clean refusal. */
    public void attempt(Attempt a, Predicate<Throwable> promised) {
        int i = inputs++;
        try {
            a.run(i);
        } catch (Throwable t) {
            if (t instanceof Error && !(t instanceof AssertionError) || !promised.test(t)) {
                if (crashes.size() < 20) {
                    crashes.add("input #" + i + " (seed " + seed + "): " + t);
                } else if (crashes.size() == 20) {
                    crashes.add("...");
                }
                if (t instanceof VirtualMachineError vme) {
                    throw vme;
                }
            } else {
                refused++;
            }
        }
    }

    public int inputs() {
        return inputs;
    }

    public int refused() {
        return refused;
    }

    public List<String> crashes() {
        return List.copyOf(crashes);
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /**
     * Threads started during the run and alive at its end, except those whose name starts with one
     * of {@code owned} (pools the test itself holds open); waits up to 5 s for stragglers to end.
     */
    public List<String> leakedThreads(String... owned) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        List<String> leaked;
        do {
            leaked = liveThreads().stream()
                    .filter(t -> !threadsBefore.contains(t.getId()))
                    .map(Thread::getName)
                    .filter(n -> java.util.Arrays.stream(owned).noneMatch(n::startsWith))
                    .sorted().collect(Collectors.toList());
            if (leaked.isEmpty()) {
                return leaked;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
        } while (System.nanoTime() < deadline);
        return leaked;
    }

    /** The line a suite prints for the issue's figures. */
    public String summary(List<String> leaked) {
        return "hostile-input suite '" + name + "': " + inputs + " inputs (seed " + seed + "), " + refused
                + " refused cleanly, " + crashes.size() + " crashes, " + leaked.size() + " leaked threads, "
                + elapsed().toMillis() + " ms";
    }

    private static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
    }
}
