package io.roomwire.core.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.roomwire.core.time.Scheduler;
import io.roomwire.core.time.SystemScheduler;
import io.roomwire.core.time.VirtualScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tinylog.ThreadContext;

class LogContextTest {

    @Test
    void eachRoomsTasksOnASharedSchedulerLogAsThatRoom() {
        VirtualScheduler shared = new VirtualScheduler();
        Scheduler a = LogContext.tag(shared, "RW-FLEET-00001");
        Scheduler b = LogContext.tag(shared, "RW-FLEET-00002");
        List<String> seen = new ArrayList<>();
        a.schedule(Duration.ofSeconds(1), () -> seen.add(ThreadContext.get(LogContext.DEVICE)));
        b.scheduleAtFixedRate(Duration.ofSeconds(2), Duration.ofSeconds(10), () -> seen.add(ThreadContext.get(LogContext.DEVICE)));
        shared.schedule(Duration.ofSeconds(3), () -> seen.add(String.valueOf(ThreadContext.get(LogContext.DEVICE))));
        shared.advance(Duration.ofSeconds(5));
        assertEquals(List.of("RW-FLEET-00001", "RW-FLEET-00002", "null"), seen);
        assertNull(ThreadContext.get(LogContext.DEVICE), "the caller's thread is left as it was");
    }

    @Test
    void aSharedPoolThreadCreatedInsideARoomsTaskDoesNotKeepItsId() throws Exception {
        try (SystemScheduler pool = new SystemScheduler(1)) {
            CompletableFuture<String> inherited = new CompletableFuture<>();
            // the pool's first thread is created here, while this thread logs as a room
            LogContext.run("RW-FLEET-00007", () -> pool.execute(() -> { }));
            pool.schedule(Duration.ofMillis(10), () -> inherited.complete(String.valueOf(ThreadContext.get(LogContext.DEVICE))));
            assertEquals("null", inherited.get(30, TimeUnit.SECONDS));
        }
    }
}
