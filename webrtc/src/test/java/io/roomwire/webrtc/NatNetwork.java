package io.roomwire.webrtc;

import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The room behind a NAT, built for a test class out of real namespaces, veth pairs and an nftables masquerade:
 * <pre>
 *   test JVM's namespace (the room)       nat namespace                          public namespace
 *   rwroom 10.0.0.2/24 ----------- lan0 10.0.0.1/24  wan0 203.0.113.1/24 ----- pub0 203.0.113.2/24
 *   default via 10.0.0.1                 forwards; masquerades out of wan0       STUN server, the far end's media
 * </pre>
 * The public side has no route to 10.0.0.0/24: the far end reaches the room only through the NAT's mappings. A test
 * may also close the NAT to everything but a few ports ({@link #allowRoomOutOnlyTo}), as an office firewall does.
 * While the class runs, the room's namespace has no other usable address (127.0.0.2 leaves its veth, src/test/netns/bin/java,
 * and comes back after). Register it before the {@link SimGatewayFixture} whose far end goes on the public side.
 */
final class NatNetwork implements BeforeAllCallback, AfterAllCallback {

    static final String ROOM_ADDRESS = "10.0.0.2";
    /** Where the room's address moves to in the tests (a DHCP lease changed, a cable replugged into another port). */
    static final String ROOM_ADDRESS_MOVED = "10.0.0.3";
    static final String NAT_INSIDE = "10.0.0.1";
    /** The NAT's public address: what a STUN server on the public side sees as the room's. */
    static final String NAT_PUBLIC = "203.0.113.1";
    /** The public side's one address: the STUN server and the far end's media. */
    static final String PUBLIC_HOST = "203.0.113.2";
    static final String ROOM_INTERFACE = "rwroom";
    /** The test JVM's own veth and its address, put back after the class (src/test/netns/bin/java). */
    private static final String JVM_VETH = "rw0";
    private static final String JVM_VETH_ADDRESS = "127.0.0.2/32";

    private Netns nat;
    private Netns publicSide;
    private boolean jvmAddressRemoved;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        nat = Netns.create("nat");
        publicSide = Netns.create("public");
        Netns.here("ip", "link", "add", ROOM_INTERFACE, "type", "veth", "peer", "name", "lan0", "netns", nat.pid());
        nat.run("ip", "link", "add", "wan0", "type", "veth", "peer", "name", "pub0", "netns", publicSide.pid());
        nat.run("ip", "addr", "add", NAT_INSIDE + "/24", "dev", "lan0");
        nat.run("ip", "addr", "add", NAT_PUBLIC + "/24", "dev", "wan0");
        nat.run("ip", "link", "set", "lan0", "up");
        nat.run("ip", "link", "set", "wan0", "up");
        nat.run("sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward");
        // Source NAT as a home or office router does it (RFC 4787): the room's flows leave with the NAT's address.
        nat.run("nft", "add", "table", "ip", "roomwire_nat");
        nat.run("nft", "add", "chain", "ip", "roomwire_nat", "post", "{ type nat hook postrouting priority 100; }");
        nat.run("nft", "add", "rule", "ip", "roomwire_nat", "post", "oifname", "wan0", "masquerade");
        // What crosses the NAT, each way (a nat chain sees only a flow's first packet; the forward hook sees them all).
        nat.run("nft", "add", "chain", "ip", "roomwire_nat", "through", "{ type filter hook forward priority 0; }");
        nat.run("nft", "add", "rule", "ip", "roomwire_nat", "through", "iifname", "lan0", "oifname", "wan0", "counter");
        nat.run("nft", "add", "rule", "ip", "roomwire_nat", "through", "iifname", "wan0", "oifname", "lan0", "counter");
        // The office firewall (allowRoomOutOnlyTo): empty, so everything passes, until a test fills it.
        nat.run("nft", "add", "chain", "ip", "roomwire_nat", "guard", "{ type filter hook forward priority -10; }");
        publicSide.run("ip", "addr", "add", PUBLIC_HOST + "/24", "dev", "pub0");
        publicSide.run("ip", "link", "set", "pub0", "up");
        Netns.here("ip", "addr", "del", JVM_VETH_ADDRESS, "dev", JVM_VETH);
        jvmAddressRemoved = true;
        Netns.here("ip", "link", "set", ROOM_INTERFACE, "up");
        giveRoom(ROOM_ADDRESS);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            Netns.here("ip", "link", "del", ROOM_INTERFACE); // its peer, lan0, goes with it
        } finally {
            if (jvmAddressRemoved) {
                Netns.here("ip", "addr", "add", JVM_VETH_ADDRESS, "dev", JVM_VETH);
            }
            if (publicSide != null) {
                publicSide.close();
            }
            if (nat != null) {
                nat.close();
            }
        }
    }

    /** The public side, for the far end's media and the STUN server. */
    Netns publicSide() {
        return publicSide;
    }

    /** The room's interface gets {@code address} as its only one, with the default route through the NAT. */
    void giveRoom(String address) throws IOException {
        Netns.here("ip", "addr", "flush", "dev", ROOM_INTERFACE);
        Netns.here("ip", "addr", "add", address + "/24", "dev", ROOM_INTERFACE);
        Netns.here("ip", "route", "replace", "default", "via", NAT_INSIDE, "dev", ROOM_INTERFACE);
    }

    /** Bytes the NAT forwarded so far: {@code [room to public, public to room]}. */
    long[] forwardedBytes() throws IOException {
        String chain = nat.run("nft", "list", "chain", "ip", "roomwire_nat", "through");
        Matcher out = Pattern.compile("iifname \"lan0\" oifname \"wan0\" counter packets \\d+ bytes (\\d+)").matcher(chain);
        Matcher in = Pattern.compile("iifname \"wan0\" oifname \"lan0\" counter packets \\d+ bytes (\\d+)").matcher(chain);
        if (!out.find() || !in.find()) {
            throw new IOException("no NAT counters in: " + chain);
        }
        return new long[] {Long.parseLong(out.group(1)), Long.parseLong(in.group(1))};
    }

    /**
     * The NAT lets the room's traffic out only to {@code host} on {@code ports} (UDP and TCP), as a locked-down office
     * network that allows its TURN server and nothing else; whatever else the room sends out is dropped and counted
     * ({@link #droppedByFirewall()}). Replies to what it let out still come back (the masquerade's connection tracking).
     */
    void allowRoomOutOnlyTo(String host, int... ports) throws IOException {
        String set = "{ " + String.join(", ", java.util.Arrays.stream(ports).mapToObj(String::valueOf).toList()) + " }";
        for (String protocol : new String[] {"udp", "tcp"}) {
            nat.run("nft", "add", "rule", "ip", "roomwire_nat", "guard", "iifname", "lan0", "oifname", "wan0",
                    "ip", "daddr", host, protocol, "dport", set, "accept");
        }
        nat.run("nft", "add", "rule", "ip", "roomwire_nat", "guard", "iifname", "lan0", "oifname", "wan0", "counter", "drop");
    }

    /** Packets from the room the firewall dropped since {@link #allowRoomOutOnlyTo} (0 without a firewall). */
    long droppedByFirewall() throws IOException {
        Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+ drop")
                .matcher(nat.run("nft", "list", "chain", "ip", "roomwire_nat", "guard"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** No firewall any more: the room's traffic goes out to anywhere again. */
    void openFirewall() throws IOException {
        nat.run("nft", "flush", "chain", "ip", "roomwire_nat", "guard");
    }

    /** The room's address goes, with no other in its place (the cable pulled, the lease lost). */
    void takeRoomAddressAway() throws IOException {
        Netns.here("ip", "addr", "flush", "dev", ROOM_INTERFACE);
    }
}
