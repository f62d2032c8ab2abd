package io.roomwire.provisioning.entra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.RGBLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QrCodeTest {

    static final String URI = "https://microsoft.com/devicelogin";

    @Test
    void rowsAreASquareOfOnesAndZeros() {
        String[] rows = QrCode.of(URI).rows().split("\n");
        assertEquals(rows.length, rows[0].length());
        assertTrue(rows.length >= 21 && (rows.length - 17) % 4 == 0, "a QR version size: " + rows.length);
        for (String r : rows) {
            assertTrue(r.matches("[01]+"));
        }
        assertTrue(rows[0].startsWith("1111111"), "finder pattern");
    }

    @Test
    void rowsDecodeBackToTheUri() throws Exception {
        String[] rows = QrCode.of(URI).rows().split("\n");
        int scale = 4;
        int quiet = 4;
        int n = (rows.length + 2 * quiet) * scale;
        int[] pixels = new int[n * n];
        for (int y = 0; y < n; y++) {
            for (int x = 0; x < n; x++) {
                int mx = x / scale - quiet;
                int my = y / scale - quiet;
                boolean dark = mx >= 0 && my >= 0 && mx < rows.length && my < rows.length && rows[my].charAt(mx) == '1';
                pixels[y * n + x] = dark ? 0xFF000000 : 0xFFFFFFFF;
            }
        }
        BinaryBitmap bmp = new BinaryBitmap(new HybridBinarizer(new RGBLuminanceSource(n, n, pixels)));
        assertEquals(URI, new QRCodeReader().decode(bmp, Map.of(DecodeHintType.PURE_BARCODE, Boolean.TRUE)).getText());
    }

    @Test
    void halfBlocksPackTwoModuleRowsPerLineWithAQuietZone() {
        QrCode q = QrCode.of(URI);
        String[] lines = q.halfBlocks().split("\n");
        int n = q.size() + 4;
        assertEquals((n + 1) / 2, lines.length);
        for (String l : lines) {
            assertEquals(n, l.length());
            assertTrue(l.matches("[\u2588\u2580\u2584 ]+"));
        }
        assertTrue(lines[0].chars().allMatch(c -> c == '\u2588'), "quiet zone is light");
    }
}
