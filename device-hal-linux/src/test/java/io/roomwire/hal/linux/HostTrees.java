package io.roomwire.hal.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The captured host trees under src/test/resources/linux, and copies of them a test may break. */
final class HostTrees {

    static final Path ROOM_PC = Path.of("src/test/resources/linux/roompc");
    static final Path ARM_BOARD = Path.of("src/test/resources/linux/armboard");

    private HostTrees() {
    }

    static Path copy(Path tree, Path into) {
        try (Stream<Path> s = Files.walk(tree)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = into.resolve(tree.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
            return into;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path root, String absolute, String content) {
        write(root, absolute, content.getBytes(StandardCharsets.UTF_8));
    }

    static void write(Path root, String absolute, byte[] content) {
        try {
            Path p = root.resolve(absolute.substring(1));
            Files.createDirectories(p.getParent());
            Files.write(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void delete(Path root, String absolute) {
        Path p = root.resolve(absolute.substring(1));
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(x);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
