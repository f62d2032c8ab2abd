package io.roomwire.agent.bench;

import io.roomwire.agent.obtp.InvitationParser;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.agent.obtp.ObtpSettings;
import java.util.Arrays;

/**
 * OBTP parse times as the bench runner reports them (markdown rows only): median and worst of
 * repeated parses after warm-up, for a typical invitation, a 1 MB body and a 10 MB body.
 */
public final class ObtpBench {

    private ObtpBench() {
    }

    public static void main(String[] args) {
        InvitationParser parser = new InvitationParser(ObtpSettings.defaults());
        row(parser, "OBTP: parse a typical Teams + CVI invitation", InvitationBodiesForBench.typical(), 500, 2000, "≤ 50 ms");
        row(parser, "OBTP: parse an invitation with a 1 MB body", InvitationBodiesForBench.large(1024 * 1024), 30, 40,
                "≤ 50 ms");
        row(parser, "OBTP: parse an invitation with a 10 MB body", InvitationBodiesForBench.large(10 * 1024 * 1024), 3, 5,
                "bounded (linear)");
    }

    private static void row(InvitationParser parser, String name, MeetingInvite m, int warmUp, int runs,
                            String target) {
        for (int i = 0; i < warmUp; i++) {
            if (!parser.parse(m).joinable()) {
                throw new IllegalStateException(name + ": not joinable");
            }
        }
        long[] ns = new long[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            parser.parse(m);
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        System.out.println("| " + name + " | median " + fmt(ns[runs / 2]) + ", max " + fmt(ns[runs - 1]) + " | "
                + target + " |");
    }

    private static String fmt(long ns) {
        return ns >= 1_000_000 ? String.format("%.1f ms", ns / 1e6) : String.format("%.0f µs", ns / 1e3);
    }
}
