package io.roomwire.sim.room.bench;

/**
 * The empty JVM each agent figure in the bench stands next to: it says "all services UP" as soon as
 * main runs and idles until it is stopped, so its start and RSS are the JVM's own with the same flags.
 */
public final class EmptyJvm {

    private EmptyJvm() {
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("roomwire: all services UP (empty JVM)");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // idle until SIGTERM, like the agent
    }
}
