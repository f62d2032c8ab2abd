package io.roomwire.sip.ua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.sip.SipTransport;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DnsSipResolverTest {

    private final List<String> asked = new ArrayList<>();

    private DnsSipResolver resolver(List<DnsSipResolver.Srv> answers, List<String> resolvable) {
        return new DnsSipResolver(name -> {
            asked.add(name);
            return answers;
        }, name -> {
            if (!resolvable.contains(name)) {
                throw new UnknownHostException(name);
            }
            return List.of(InetAddress.getLoopbackAddress());
        }, new Random(7));
    }

    @Test
    void sipsTargetsUseTheSipsTcpSrvRecordsInPriorityOrder() throws Exception {
        DnsSipResolver r = resolver(List.of(new DnsSipResolver.Srv(20, 0, 5061, "backup.example.com."),
                new DnsSipResolver.Srv(10, 0, 5062, "primary.example.com.")), List.of("primary.example.com",
                "backup.example.com"));
        List<SipHop> hops = r.resolve("example.com", OptionalInt.empty(), SipTransport.TLS);
        assertEquals(List.of("_sips._tcp.example.com"), asked);
        assertEquals(List.of(new SipHop("primary.example.com", 5062, SipTransport.TLS),
                new SipHop("backup.example.com", 5061, SipTransport.TLS)), hops);
    }

    @Test
    void targetsWithoutAnAddressAreSkippedAndNoSrvFallsBackToTheDomain() throws Exception {
        DnsSipResolver r = resolver(List.of(new DnsSipResolver.Srv(10, 0, 5061, "gone.example.com.")),
                List.of("example.com"));
        assertEquals(List.of(new SipHop("example.com", 5061, SipTransport.TLS)),
                r.resolve("example.com", OptionalInt.empty(), SipTransport.TLS));
        assertTrue(assertThrows(UnknownHostException.class, () -> resolver(List.of(), List.of())
                .resolve("nowhere.example", OptionalInt.empty(), SipTransport.TLS)).getMessage().contains("sip.outbound-proxy"));
    }

    @Test
    void literalAddressesAndExplicitPortsSkipDns() throws Exception {
        DnsSipResolver r = resolver(List.of(), List.of());
        assertEquals(List.of(new SipHop("10.1.2.3", 5061, SipTransport.TLS)),
                r.resolve("10.1.2.3", OptionalInt.empty(), SipTransport.TLS));
        assertEquals(List.of(new SipHop("gw.example.com", 5070, SipTransport.TCP)),
                r.resolve("gw.example.com", OptionalInt.of(5070), SipTransport.TCP));
        assertTrue(asked.isEmpty());
    }

    @Test
    void weightsSpreadTheLoadWithinAPriority() {
        DnsSipResolver r = resolver(List.of(), List.of());
        int heavyFirst = 0;
        for (int i = 0; i < 200; i++) {
            List<DnsSipResolver.Srv> o = r.order(List.of(new DnsSipResolver.Srv(10, 1, 1, "light"),
                    new DnsSipResolver.Srv(10, 9, 2, "heavy")));
            heavyFirst += o.get(0).target().equals("heavy") ? 1 : 0;
        }
        assertTrue(heavyFirst > 140 && heavyFirst < 200, "heavy first " + heavyFirst + " of 200");
    }
}
