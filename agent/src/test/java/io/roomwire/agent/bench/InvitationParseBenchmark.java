package io.roomwire.agent.bench;

import io.roomwire.agent.obtp.InvitationParser;
import io.roomwire.agent.obtp.MeetingInvite;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.obtp.ParsedInvitation;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time to turn one invitation into join targets (HTML tokenizer, SafeLinks, host checks, CVI dial
 * plan): a typical Teams + Cisco CVI invitation, and the same under 1 MB of quoted reply thread
 * (target: at most 50 ms).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Thread)
@Threads(1)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class InvitationParseBenchmark {

    private InvitationParser parser;
    private MeetingInvite typical;
    private MeetingInvite oneMegabyte;

    @Setup(Level.Trial)
    public void setUp() {
        parser = new InvitationParser(ObtpSettings.defaults());
        typical = InvitationBodiesForBench.typical();
        oneMegabyte = InvitationBodiesForBench.large(1024 * 1024);
        if (!parser.parse(oneMegabyte).joinable() || !parser.parse(typical).joinable()) {
            throw new IllegalStateException("benchmark invitations must be joinable");
        }
    }

    @Benchmark
    public ParsedInvitation typicalTeamsCviInvite() {
        return parser.parse(typical);
    }

    @Benchmark
    public ParsedInvitation oneMegabyteBody() {
        return parser.parse(oneMegabyte);
    }
}
