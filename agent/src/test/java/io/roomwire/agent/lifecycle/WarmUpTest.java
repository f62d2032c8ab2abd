package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class WarmUpTest {

    @Test
    void theTlsWarmUpRunsTheJdksRealClientHandshakeAsFarAsATls13ClientHello() throws Exception {
        ByteBuffer r = ByteBuffer.wrap(WarmUp.tlsClientHello());
        assertEquals(22, r.get(), "a handshake record");
        r.getShort(); // legacy record version
        int length = Short.toUnsignedInt(r.getShort());
        assertEquals(r.remaining(), length, "one whole record");
        assertEquals(1, r.get(), "a client hello");
        skip(r, 3 + 2 + 32); // handshake length, legacy version, random
        skip(r, Byte.toUnsignedInt(r.get())); // session id
        int suites = Short.toUnsignedInt(r.getShort());
        assertTrue(suites >= 2, "offers cipher suites");
        skip(r, suites);
        skip(r, Byte.toUnsignedInt(r.get())); // compression methods
        int end = Short.toUnsignedInt(r.getShort()) + r.position();
        Set<Integer> extensions = new HashSet<>();
        byte[] keyShare = null;
        while (r.position() < end) {
            int type = Short.toUnsignedInt(r.getShort());
            byte[] data = new byte[Short.toUnsignedInt(r.getShort())];
            r.get(data);
            extensions.add(type);
            if (type == 0x0033) {
                keyShare = data;
            }
        }
        assertTrue(extensions.contains(0x002b), "supported_versions (TLS 1.3): " + extensions);
        assertTrue(extensions.contains(0x000d), "signature_algorithms: " + extensions);
        assertTrue(keyShare != null && keyShare.length > 32, "a key share was generated, as in a real handshake: " + extensions);
    }

    @Test
    void theWarmUpOpensNoSocketLeavesNoThreadAndEnds() throws Exception {
        long before = sockets();
        Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
        Thread t = WarmUp.start();
        t.join(60_000);
        assertFalse(t.isAlive(), "the warm-up thread ended");
        assertTrue(t.isDaemon(), "it never holds the JVM up");
        assertEquals(before, sockets(), "no network socket opened: the hello is built in memory, no MQTT client made");
        Set<String> left = new HashSet<>();
        for (Thread x : Thread.getAllStackTraces().keySet()) {
            if (!threadsBefore.contains(x) && (x.getName().startsWith("MQTT") || x.getName().startsWith("roomwire-"))) {
                left.add(x.getName());
            }
        }
        assertEquals(Set.of(), left, "no thread left behind (Paho's warm-up makes no client, so none of its threads)");
    }

    private static void skip(ByteBuffer b, int n) {
        b.position(b.position() + n);
    }

    /**
     * Open network sockets of this process: its socket descriptors (/proc/self/fd links named socket:[inode]) whose
     * inode is a TCP or UDP socket (/proc/self/net). Unix sockets are left out: the JDK keeps one end of a socket pair
     * for the life of the process the first time its NIO file dispatcher loads, network or not.
     */
    private static long sockets() throws IOException {
        Set<String> inet = new HashSet<>();
        for (String table : List.of("tcp", "tcp6", "udp", "udp6")) {
            Path p = Path.of("/proc/self/net", table);
            if (Files.exists(p)) {
                Files.readAllLines(p).stream().skip(1).map(l -> l.trim().split("\\s+"))
                        .filter(c -> c.length > 9).forEach(c -> inet.add(c[9]));
            }
        }
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> {
                try {
                    return Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    return ""; // closed while listing
                }
            }).filter(t -> t.startsWith("socket:[") && inet.contains(t.substring(8, t.length() - 1))).count();
        }
    }
}
