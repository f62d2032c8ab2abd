package io.roomwire.sip.ua;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Codec;
import io.roomwire.hal.MediaKind;
import io.roomwire.sip.Call;
import io.roomwire.sip.CallEnd;
import io.roomwire.sip.CallEvent;
import io.roomwire.sip.CallState;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.MediaStats;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * {@code roomwire dial URI [--dtmf DIGITS] [--duration SECONDS] [--json]}: places one call with the
 * configured identity, keeps it up for the duration, and prints the outcome (connected or the
 * room-friendly reason, media counters, who hung up). Exit code 0 when the call connected and lasted
 * the duration, 1 when it did not connect or ended before the duration (the far end hung up, the
 * call dropped), 2 for a bad argument.
 */
public final class DialCommand {

    public static final int CONNECTED = 0;
    public static final int FAILED = 1;
    public static final int USAGE = 2;

    private final SipSettings settings;
    private final Scheduler scheduler;
    private final Codec codec;
    private final Optional<SSLContext> sslContext;
    private final SipResolver resolver;
    private io.roomwire.sip.dialplan.GatewayProfiles gateways = io.roomwire.sip.dialplan.GatewayProfiles.standard();

    public DialCommand(SipSettings settings, Scheduler scheduler, Codec codec) {
        this(settings, scheduler, codec, Optional.empty(), new DnsSipResolver());
    }

    public DialCommand(SipSettings settings, Scheduler scheduler, Codec codec, Optional<SSLContext> sslContext,
                       SipResolver resolver) {
        this.settings = settings;
        this.scheduler = scheduler;
        this.codec = codec;
        this.sslContext = sslContext;
        this.resolver = resolver;
    }

    /** The providers' profiles the call follows (the address's host finds its gateway); the built-in ones by default. */
    public DialCommand gatewayProfiles(io.roomwire.sip.dialplan.GatewayProfiles g) {
        this.gateways = java.util.Objects.requireNonNull(g, "gateways");
        return this;
    }

    /**
     * @param target   {@code sip:}/{@code sips:} URI, or {@code user@host} (scheme from sip.transport)
     * @param dtmf     digits to send once media flows (an IVR join), e.g. {@code 123456789#}
     * @param duration how long to stay in the call after it connects
     */
    public int run(String target, Optional<String> dtmf, Duration duration, boolean json, PrintStream out) {
        String uri = target.contains(":") ? target : (settings.transport() == SipTransport.TLS ? "sips:" : "sip:") + target;
        if (!uri.matches("sips?:[^\\s]+@?[^\\s]*") || dtmf.map(d -> !d.matches("[0-9*#A-Da-d]{1,64}")).orElse(false)
                || duration.isNegative()) {
            print(out, json, Map.of("result", "usage", "message",
                    "usage: roomwire dial sip:user@host [--dtmf DIGITS] [--duration DURATION] [--config FILE] [--json]"));
            return USAGE;
        }
        JoinTarget jt = dtmf.map(d -> JoinTarget.ivr(uri, d, "sip", "cli")).orElseGet(() -> JoinTarget.sip(uri, "sip", "cli"));
        SipJoinPath.Builder b = SipJoinPath.builder(settings, scheduler).codec(codec).resolver(resolver)
                .gatewayProfiles(gateways);
        sslContext.ifPresent(b::sslContext);
        SipJoinPath path = b.build();
        CountDownLatch ended = new CountDownLatch(1);
        Instant[] connectedAt = new Instant[1];
        try {
            path.start();
            if (!json) {
                out.println("Calling " + uri + " as " + settings.addressOfRecord() + " over " + settings.transport());
            }
            Instant start = scheduler.now();
            path.addListener(e -> {
                if (e instanceof CallEvent.StateChanged s && s.state() == CallState.CONNECTED && connectedAt[0] == null) {
                    connectedAt[0] = scheduler.now();
                    scheduler.schedule(duration, () -> s.call().hangUp());
                    if (!json) {
                        out.println("Connected after " + Duration.between(start, connectedAt[0]).toMillis() + " ms;"
                                + " staying " + duration.toSeconds() + " s");
                    }
                } else if (e instanceof CallEvent.Ended) {
                    ended.countDown();
                }
            });
            Call call = path.dial(jt);
            long boundMs = settings.ringTimeout().plus(duration).plusSeconds(15).toMillis();
            if (!ended.await(boundMs, TimeUnit.MILLISECONDS)) {
                call.hangUp();
            }
            CallEnd end = call.end().orElse(new CallEnd(CallEnd.EndedBy.LOCAL, 0, "Call ended", "dial timed out"));
            Instant endedAt = scheduler.now();
            DialOutcome outcome = DialOutcome.of(Optional.ofNullable(connectedAt[0])
                    .map(c -> Duration.between(c, endedAt)), end, duration);
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("target", uri);
            result.put("result", outcome.result());
            if (connectedAt[0] != null) {
                result.put("setupMillis", Duration.between(start, connectedAt[0]).toMillis());
                result.put("heldMillis", outcome.held().orElseThrow().toMillis());
            }
            result.put("endedBy", end.by().name().toLowerCase(Locale.ROOT));
            // A status only when the far end sent one (issue 10): otherwise the kind of failure.
            outcome.status().ifPresent(st -> result.put("status", st));
            outcome.failure().ifPresent(f -> result.put("failure", f));
            result.put("message", end.message());
            result.put("detail", end.detail());
            dtmf.ifPresent(d -> result.put("dtmfDigits", d.length()));
            result.put("media", media(call.stats()));
            if (json) {
                print(out, true, result);
            } else {
                out.println(outcome.sentence());
                for (Map.Entry<MediaKind, MediaStats.Stream> e : call.stats().streams().entrySet()) {
                    MediaStats.Stream s = e.getValue();
                    out.printf(Locale.ROOT, "%s: sent %d packets, received %d, lost %d, jitter %.1f ms%s%s%n",
                            e.getKey().name().toLowerCase(Locale.ROOT), s.packetsSent(), s.packetsReceived(),
                            s.packetsLost(), s.jitterMillis(),
                            s.roundTrip().map(r -> ", round trip " + r.toMillis() + " ms").orElse(""),
                            s.secure() ? ", SRTP" : ", unencrypted");
                }
            }
            return outcome.succeeded() ? CONNECTED : FAILED;
        } catch (IllegalArgumentException e) {
            print(out, json, Map.of("result", "usage", "message", e.getMessage()));
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        } catch (Exception e) {
            print(out, json, Map.of("result", "failed", "message", "SIP could not start: " + e.getMessage()));
            return FAILED;
        } finally {
            path.stop();
        }
    }

    private static Map<String, Object> media(MediaStats stats) {
        Map<String, Object> m = new LinkedHashMap<>();
        stats.streams().forEach((k, s) -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("packetsSent", s.packetsSent());
            v.put("bytesSent", s.bytesSent());
            v.put("packetsReceived", s.packetsReceived());
            v.put("bytesReceived", s.bytesReceived());
            v.put("packetsLost", s.packetsLost());
            v.put("jitterMillis", Math.round(s.jitterMillis() * 10) / 10.0);
            s.roundTrip().ifPresent(r -> v.put("roundTripMillis", r.toMillis()));
            v.put("srtp", s.secure());
            m.put(k.name().toLowerCase(Locale.ROOT), v);
        });
        return m;
    }

    private static void print(PrintStream out, boolean json, Map<String, Object> m) {
        if (json) {
            Gson gson = new GsonBuilder().disableHtmlEscaping().create();
            out.println(gson.toJson(m));
        } else {
            out.println(m.get("message"));
        }
    }
}
