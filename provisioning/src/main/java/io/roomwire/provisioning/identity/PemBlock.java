package io.roomwire.provisioning.identity;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * One PEM block (RFC 7468): its label and DER content. Reading and writing PEM with the JDK alone
 * keeps BouncyCastle (signed jars that AppCDS cannot archive; ~1 s of class loading on a room
 * device) off the start-up path; it is needed only to create certificates and CSRs.
 */
public record PemBlock(String label, byte[] der) {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";

    /**
     * Every block of the text, in order. Text outside the blocks is ignored (RFC 7468 section 5:
     * explanatory text); a block without its END line, a label mismatch or bad base64 is an error.
     */
    public static List<PemBlock> readAll(String text) throws IOException {
        List<PemBlock> out = new ArrayList<>();
        String[] lines = text.split("\r\n|\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith(BEGIN)) {
                continue;
            }
            if (!line.endsWith(DASHES) || line.length() < BEGIN.length() + DASHES.length()) {
                throw new IOException("malformed PEM header line " + (i + 1) + ": " + line);
            }
            String label = line.substring(BEGIN.length(), line.length() - DASHES.length());
            StringBuilder b64 = new StringBuilder();
            int j = i + 1;
            for (; j < lines.length; j++) {
                String l = lines[j].strip();
                if (l.startsWith(END)) {
                    if (!l.equals(END + label + DASHES)) {
                        throw new IOException("PEM block '" + label + "' ends with '" + l + "'");
                    }
                    break;
                }
                if (l.startsWith(BEGIN)) {
                    break;
                }
                if (l.contains(":")) {
                    // RFC 1421 headers (Proc-Type, DEK-Info): an encrypted key, which the agent does not read
                    throw new IOException("PEM block '" + label + "' has headers (" + l + "); only unencrypted PEM is supported");
                }
                b64.append(l);
            }
            if (j == lines.length || !lines[j].strip().startsWith(END)) {
                throw new IOException("PEM block '" + label + "' has no END line");
            }
            try {
                out.add(new PemBlock(label, Base64.getDecoder().decode(b64.toString())));
            } catch (IllegalArgumentException e) {
                throw new IOException("PEM block '" + label + "' is not valid base64: " + e.getMessage(), e);
            }
            i = j;
        }
        return out;
    }

    /** The first block with this label. */
    public static PemBlock readOne(String text, String label) throws IOException {
        for (PemBlock b : readAll(text)) {
            if (b.label().equals(label)) {
                return b;
            }
        }
        throw new IOException("no PEM block '" + label + "' (expected -----BEGIN " + label + "-----)");
    }

    /** The block as PEM text: 64-character base64 lines, each line ending in a newline. */
    public String text() {
        String b64 = Base64.getEncoder().encodeToString(der);
        StringBuilder sb = new StringBuilder(b64.length() + b64.length() / 64 + 2 * label.length() + 40);
        sb.append(BEGIN).append(label).append(DASHES).append('\n');
        for (int i = 0; i < b64.length(); i += 64) {
            sb.append(b64, i, Math.min(b64.length(), i + 64)).append('\n');
        }
        return sb.append(END).append(label).append(DASHES).append('\n').toString();
    }
}
