package io.roomwire.hal.linux;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the host's files below a root ("/" in production, a captured tree in tests). Every read
 * answers a value or a reason; nothing here throws for a missing, unreadable or odd file.
 */
final class HostFiles {

    /** sysfs and proc files are small; /proc/cpuinfo of a many-core machine is the largest we read. */
    private static final int MAX_BYTES = 1 << 20;

    /** Opens a file for reading; tests swap it to see what a non-root agent meets. */
    @FunctionalInterface
    interface Opener {
        InputStream open(Path file) throws IOException;
    }

    private final Path root;
    private final Opener opener;

    HostFiles(Path root) {
        this(root, Files::newInputStream);
    }

    HostFiles(Path root, Opener opener) {
        this.root = root;
        this.opener = opener;
    }

    Path root() {
        return root;
    }

    Path resolve(String absolute) {
        return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
    }

    /** The file's bytes, at most 1 MiB. */
    Bytes bytes(String absolute) {
        Path p = resolve(absolute);
        try (InputStream in = opener.open(p)) {
            return new Bytes(in.readNBytes(MAX_BYTES), "");
        } catch (NoSuchFileException e) {
            return new Bytes(null, absolute + " is missing");
        } catch (AccessDeniedException e) {
            return new Bytes(null, absolute + " is not readable (permission denied)");
        } catch (IOException | RuntimeException e) {
            // sysfs answers some reads with EIO/ENODEV (a device going away, an attribute the driver refuses)
            return new Bytes(null, absolute + " could not be read: " + describe(e));
        }
    }

    /**
     * The file as one trimmed line of text: trailing NULs (device tree strings) and whitespace
     * removed; empty, binary or over-long content is a reason, not a value.
     */
    Reading text(String absolute) {
        Bytes b = bytes(absolute);
        if (b.data == null) {
            return Reading.none(b.reason);
        }
        String s = new String(b.data, StandardCharsets.UTF_8).replace("\0", " ").strip();
        if (s.isEmpty()) {
            return Reading.none(absolute + " is empty");
        }
        if (s.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0xFFFD)) {
            return Reading.none(absolute + " holds no readable text");
        }
        if (s.length() > 4096) {
            return Reading.none(absolute + " is " + s.length() + " characters long, not one value");
        }
        return Reading.of(s, absolute);
    }

    /** The whole file as text (for multi-line files such as /proc/cpuinfo). */
    Reading lines(String absolute) {
        Bytes b = bytes(absolute);
        return b.data == null ? Reading.none(b.reason) : Reading.of(new String(b.data, StandardCharsets.UTF_8), absolute);
    }

    /** Names in a folder, sorted; empty when it is missing or unreadable. */
    List<String> list(String absolute) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(resolve(absolute))) {
            for (Path p : ds) {
                names.add(p.getFileName().toString());
            }
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        names.sort(HostFiles::naturalOrder);
        return names;
    }

    /** Why {@link #list} is empty, or "" when the folder exists. */
    String whyNoFolder(String absolute) {
        Path p = resolve(absolute);
        if (!Files.exists(p)) {
            return absolute + " is missing";
        }
        if (!Files.isReadable(p)) {
            return absolute + " is not readable (permission denied)";
        }
        return "";
    }

    boolean exists(String absolute) {
        // NOFOLLOW: systemd "wants" links point at absolute paths outside a captured tree
        return Files.exists(resolve(absolute), LinkOption.NOFOLLOW_LINKS);
    }

    /** video2 before video10, card1-HDMI-A-2 before card1-HDMI-A-10. */
    static int naturalOrder(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static String describe(Exception e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
    }

    /** Raw content, or null and the reason. */
    record Bytes(byte[] data, String reason) {
    }
}
