package io.roomwire.core.net;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import org.junit.jupiter.api.Test;

class LoopbackTest {

    @Test
    void acceptsOnlyLiteralLoopbackAddresses() {
        for (String url : new String[] {"http://127.0.0.1:8080/", "http://127.1.2.3/", "http://localhost/",
                "http://[::1]:9000/", "http://LOCALHOST/"}) {
            assertTrue(Loopback.isLiteral(URI.create(url).getHost()), url);
        }
    }

    @Test
    void refusesNamesThatOnlyLookLikeLoopback() {
        for (String url : new String[] {"http://127.attacker.example/", "http://127.0.0.1.attacker.example/",
                "http://localhost.attacker.example/", "http://10.0.0.1/", "http://[::2]/", "http://128.0.0.1/",
                "http://127.0.0.256/", "http://0x7f.0.0.1/", "http://2130706433/"}) {
            assertFalse(Loopback.isLiteral(URI.create(url).getHost()), url);
        }
        assertFalse(Loopback.isLiteral(null));
        assertFalse(Loopback.isLiteral(""));
    }
}
