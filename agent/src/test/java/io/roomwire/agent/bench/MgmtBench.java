package io.roomwire.agent.bench;

import io.roomwire.agent.mgmt.MgmtBenchmarks;
import java.io.PrintStream;
import java.util.List;

/**
 * Remote management end to end through Debian's Mosquitto with mutual TLS: command round trip
 * (10,000 requests), telemetry bytes per device-hour, broker restart to status online, resident
 * memory after 1,000 forced reconnects. Prints only markdown table rows on stdout.
 */
public final class MgmtBench {

    private MgmtBench() {
    }

    public static void main(String[] args) throws Exception {
        PrintStream rows = System.out;
        System.setOut(System.err); // logs must not mix with the table rows
        List<String> out = MgmtBenchmarks.run(Integer.getInteger("rw.requests", 10_000), Integer.getInteger("rw.reconnects", 1000));
        out.forEach(rows::println);
        rows.flush();
        System.exit(0);
    }
}
