package io.roomwire.hal.linux;

import java.util.Optional;

/** The parts of an EDID 1.x base block a room reports: maker code, monitor name, serial text. */
record Edid(String manufacturer, Optional<String> monitorName, Optional<String> serialText) {

    private static final byte[] HEADER = {0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0};

    /** Parses the 128-byte base block; throws {@link IllegalArgumentException} saying what is wrong with it. */
    static Edid parse(byte[] b) {
        if (b.length < 128) {
            throw new IllegalArgumentException("EDID is " + b.length + " bytes, shorter than the 128-byte base block");
        }
        for (int i = 0; i < HEADER.length; i++) {
            if (b[i] != HEADER[i]) {
                throw new IllegalArgumentException("EDID has no 00 FF FF FF FF FF FF 00 header");
            }
        }
        int sum = 0;
        for (int i = 0; i < 128; i++) {
            sum += b[i] & 0xFF;
        }
        if ((sum & 0xFF) != 0) {
            throw new IllegalArgumentException("EDID base block checksum is wrong");
        }
        // VESA E-EDID 1.4 section 3.4: bytes 8-9 are three 5-bit letters, 'A' = 1, big-endian
        int id = ((b[8] & 0xFF) << 8) | (b[9] & 0xFF);
        String maker = "" + letter(id >> 10) + letter(id >> 5) + letter(id);
        Optional<String> name = Optional.empty();
        Optional<String> serial = Optional.empty();
        // Section 3.10: four 18-byte descriptors at 54; a display descriptor starts 00 00 00 and has its tag at +3
        for (int d = 54; d <= 108; d += 18) {
            if (b[d] != 0 || b[d + 1] != 0 || b[d + 2] != 0) {
                continue;
            }
            int tag = b[d + 3] & 0xFF;
            if (tag == 0xFC && name.isEmpty()) {
                name = descriptorText(b, d);
            } else if (tag == 0xFF && serial.isEmpty()) {
                serial = descriptorText(b, d);
            }
        }
        return new Edid(maker, name, serial);
    }

    private static char letter(int five) {
        int v = five & 0x1F;
        return v >= 1 && v <= 26 ? (char) ('A' + v - 1) : '?';
    }

    /** Section 3.10.3: up to 13 bytes of text at +5, ended by 0x0A and padded with 0x20. */
    private static Optional<String> descriptorText(byte[] b, int d) {
        StringBuilder s = new StringBuilder();
        for (int i = d + 5; i < d + 18; i++) {
            int c = b[i] & 0xFF;
            if (c == 0x0A) {
                break;
            }
            s.append(c >= 0x20 && c < 0x7F ? (char) c : ' ');
        }
        String t = s.toString().strip();
        return t.isEmpty() ? Optional.empty() : Optional.of(t);
    }
}
