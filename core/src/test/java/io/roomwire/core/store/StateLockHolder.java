package io.roomwire.core.store;

import java.nio.file.Path;

/** Child process for {@link StateLockTest}: takes the lock, says so, and waits to be killed. */
public final class StateLockHolder {

    private StateLockHolder() {
    }

    public static void main(String[] args) throws Exception {
        StateLock lock = StateLock.acquire(Path.of(args[0]), "test holder");
        System.out.println("held");
        System.out.flush();
        System.in.read(); // blocks until the parent kills us or closes our stdin
        lock.close();
    }
}
