package io.roomwire.sip.bench;

import io.roomwire.sip.srtp.SrtpContext;
import io.roomwire.sip.srtp.SrtpException;
import io.roomwire.sip.srtp.SrtpKeys;
import io.roomwire.sip.srtp.SrtpSuite;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SRTP protect + unprotect of one 200-byte RTP packet per operation on one thread (target: at
 * least 200k packets/s). Sequence numbers advance every operation, so the receiver's replay window
 * and the roll-over counter are exercised as in a call.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
public class SrtpBenchmark {

    @Param({"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"})
    public String suite;

    private SrtpContext tx;
    private SrtpContext rx;
    private final byte[] rtp = new byte[200];
    private int seq;

    @Setup(Level.Trial)
    public void setUp() {
        SrtpKeys keys = SrtpKeys.random(SrtpSuite.valueOf(suite));
        tx = SrtpContext.forSending(keys);
        rx = SrtpContext.forReceiving(keys);
        rtp[0] = (byte) 0x80;
        rtp[1] = 111;
        rtp[8] = 0x12;
        rtp[11] = 0x34;
        for (int i = 12; i < rtp.length; i++) {
            rtp[i] = (byte) i;
        }
    }

    @Benchmark
    public byte[] protectAndUnprotect200BytePacket() throws SrtpException {
        int s = seq++ & 0xffff;
        rtp[2] = (byte) (s >> 8);
        rtp[3] = (byte) s;
        byte[] p = tx.protectRtp(rtp, 0, rtp.length);
        return rx.unprotectRtp(p, 0, p.length);
    }
}
