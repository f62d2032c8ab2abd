package io.roomwire.agent.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
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
    void theWarmUpOpensNoSocketAndEnds() throws Exception {
        long before = sockets();
        Thread t = WarmUp.start();
        t.join(60_000);
        assertFalse(t.isAlive(), "the warm-up thread ended");
        assertTrue(t.isDaemon(), "it never holds the JVM up");
        assertEquals(before, sockets(), "no socket opened: the hello is built in memory");
    }

    private static void skip(ByteBuffer b, int n) {
        b.position(b.position() + n);
    }

    /** Open sockets of this process (Linux: /proc/self/fd links named socket:[inode]). */
    private static long sockets() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }
}
