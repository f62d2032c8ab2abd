package io.roomwire.sip.dtmf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class Rfc4733Test {

    @Test
    void aKeyPressIsStartWithMarkerThenUpdatesThenThreeEndPackets() {
        List<Rfc4733.Packet> p = Rfc4733.press('5', Duration.ofMillis(200), 8000, Duration.ofMillis(50), 10);
        // start at 400, updates at 800 and 1200, then end x3 at 1600
        assertEquals(6, p.size());
        assertTrue(p.get(0).marker());
        assertEquals(400, p.get(0).event().duration());
        assertEquals(800, p.get(1).event().duration());
        assertEquals(1200, p.get(2).event().duration());
        for (int i = 3; i < 6; i++) {
            assertTrue(p.get(i).event().end());
            assertFalse(p.get(i).marker());
            assertEquals(1600, p.get(i).event().duration());
        }
        assertTrue(p.stream().allMatch(x -> x.event().event() == 5 && x.event().volume() == 10));
    }

    @Test
    void encodesAndDecodesEveryDigit() {
        String all = "0123456789*#ABCD";
        for (int i = 0; i < all.length(); i++) {
            char c = all.charAt(i);
            assertEquals(i, Rfc4733.eventCode(c));
            byte[] wire = new Rfc4733.Event(i, true, 10, 1234).encode();
            assertEquals(4, wire.length);
            Rfc4733.Event e = Rfc4733.decode(wire, 0, 4).orElseThrow();
            assertEquals(c, e.digit().orElseThrow());
            assertTrue(e.end());
            assertEquals(10, e.volume());
            assertEquals(1234, e.duration());
        }
        assertEquals(11, Rfc4733.eventCode('#'));
        assertEquals(12, Rfc4733.eventCode('a'));
        assertTrue(Rfc4733.decode(new byte[3], 0, 3).isEmpty());
        assertTrue(new Rfc4733.Event(40, false, 0, 0).digit().isEmpty());
    }

    @Test
    void namesTheBadCharacterOfADigitString() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Rfc4733.requireDigits("12x4"));
        assertTrue(e.getMessage().contains("'x' at position 3"), e.getMessage());
        assertEquals("123#AB", Rfc4733.requireDigits("123#ab"));
    }
}
