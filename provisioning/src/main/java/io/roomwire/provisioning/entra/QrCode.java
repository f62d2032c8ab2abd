package io.roomwire.provisioning.entra;

import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.ByteMatrix;
import com.google.zxing.qrcode.encoder.Encoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A QR code (ZXing, error correction M) as a module matrix: rows of '1' (dark) and '0' (light)
 * for the touch panel's {@code qr} data, and Unicode half blocks for a terminal.
 */
public final class QrCode {

    private static final int QUIET_ZONE = 2;
    private final boolean[][] dark;

    private QrCode(boolean[][] dark) {
        this.dark = dark;
    }

    public static QrCode of(String text) {
        try {
            ByteMatrix m = Encoder.encode(text, ErrorCorrectionLevel.M,
                    Map.of(EncodeHintType.CHARACTER_SET, StandardCharsets.UTF_8.name())).getMatrix();
            boolean[][] d = new boolean[m.getHeight()][m.getWidth()];
            for (int y = 0; y < m.getHeight(); y++) {
                for (int x = 0; x < m.getWidth(); x++) {
                    d[y][x] = m.get(x, y) == 1;
                }
            }
            return new QrCode(d);
        } catch (WriterException e) {
            throw new IllegalArgumentException("Cannot encode a QR code for a " + text.length() + "-character text", e);
        }
    }

    /** Modules per side (without quiet zone). */
    public int size() {
        return dark.length;
    }

    public boolean isDark(int x, int y) {
        return dark[y][x];
    }

    /** Rows of '1' (dark) / '0' (light) joined by '\n', no quiet zone (renderers add their own). */
    public String rows() {
        StringBuilder sb = new StringBuilder(dark.length * (dark.length + 1));
        for (int y = 0; y < dark.length; y++) {
            if (y > 0) {
                sb.append('\n');
            }
            for (int x = 0; x < dark.length; x++) {
                sb.append(dark[y][x] ? '1' : '0');
            }
        }
        return sb.toString();
    }

    /**
     * Two modules per character with Unicode half blocks and a quiet zone, light modules drawn
     * (as {@code qrencode -t UTF8} does) so that it scans on a dark terminal background.
     */
    public String halfBlocks() {
        int n = dark.length + 2 * QUIET_ZONE;
        StringBuilder sb = new StringBuilder();
        for (int y = 0; y < n; y += 2) {
            for (int x = 0; x < n; x++) {
                boolean top = light(x, y, n);
                boolean bottom = y + 1 < n ? light(x, y + 1, n) : false;
                sb.append(top && bottom ? '\u2588' : top ? '\u2580' : bottom ? '\u2584' : ' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private boolean light(int x, int y, int n) {
        int mx = x - QUIET_ZONE;
        int my = y - QUIET_ZONE;
        if (mx < 0 || my < 0 || mx >= dark.length || my >= dark.length) {
            return true;
        }
        return !dark[my][mx];
    }
}
