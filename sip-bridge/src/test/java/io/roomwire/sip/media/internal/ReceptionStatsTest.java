package io.roomwire.sip.media.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReceptionStatsTest {

    private static final long MS = 1_000_000;

    @Test
    void perfectlyPacedPacketsHaveNoJitterAndNoLoss() {
        ReceptionStats r = new ReceptionStats(8000);
        for (int i = 0; i < 100; i++) {
            r.packet(1, i, 1000 + i * 160L, i * 20 * MS);
        }
        assertEquals(0, r.jitterUnits());
        assertEquals(0, r.lost());
        assertEquals(100, r.expected());
    }

    @Test
    void alternatingArrivalConvergesToTheRfc3550JitterEstimate() {
        ReceptionStats r = new ReceptionStats(8000);
        long arrival = 0;
        for (int i = 0; i < 400; i++) {
            r.packet(1, i, i * 160L, arrival);
            arrival += (i % 2 == 0 ? 10 : 30) * MS; // transit differences of 10 ms = 80 units each time
        }
        assertTrue(Math.abs(r.jitterUnits() - 80) <= 1, "jitter " + r.jitterUnits());
    }

    @Test
    void countsLossAcrossTheSequenceWrapAndReportsTheFraction() {
        ReceptionStats r = new ReceptionStats(8000);
        int seq = 65530;
        int received = 0;
        for (int i = 0; i < 20; i++, seq = (seq + 1) & 0xffff) {
            if (i % 4 == 3) {
                continue; // every fourth packet lost
            }
            r.packet(7, seq, i * 160L, i * 20 * MS);
            received++;
        }
        assertEquals(65530 + 18, r.extendedHighestSeq(), "last received is the 19th packet, after the wrap");
        assertEquals(19 - received, r.lost());
        assertEquals((r.lost() << 8) / 19, r.fractionLostAndReset());
        assertEquals(0, r.fractionLostAndReset(), "nothing new in the next interval");
    }

    @Test
    void rtcpParserRefusesMalformedInputWithOneKindOfError() {
        Random rnd = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[rnd.nextInt(80)];
            rnd.nextBytes(b);
            if (b.length > 0 && rnd.nextBoolean()) {
                b[0] = (byte) (0x80 | (b[0] & 0x3f));
            }
            try {
                Rtcp.parse(b, 0, b.length);
            } catch (IllegalArgumentException expected) {
                // the only failure the relay has to handle
            }
        }
        byte[] ok = Rtcp.compound(9, new Rtcp.Sender(Rtcp.ntp(Instant.parse("2026-01-05T08:00:00Z")), 1, 2, 3),
                new Rtcp.ReportBlock(5, 64, -2, 70000, 12, 0x12345678L, 0x10000), "room");
        Rtcp.Parsed p = Rtcp.parse(ok, 0, ok.length);
        assertTrue(p.hasSenderReport());
        assertEquals(9, p.senderSsrc());
        Rtcp.ReportBlock b = p.blocks().get(0);
        assertEquals(new Rtcp.ReportBlock(5, 64, -2, 70000, 12, 0x12345678L, 0x10000), b);
        assertEquals(0, ok.length % 4);
        byte[] truncated = java.util.Arrays.copyOf(ok, 20);
        assertThrows(IllegalArgumentException.class, () -> Rtcp.parse(truncated, 0, truncated.length));
    }
}
