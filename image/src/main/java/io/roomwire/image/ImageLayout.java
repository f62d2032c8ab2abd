package io.roomwire.image;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Where the installed agent lives on the device, and the files the image ships. */
public final class ImageLayout {

    /** The bundled runtime ({@code runtime/}) and the agent's jars ({@code lib/}). */
    public static final String HOME = "/usr/lib/roomwire";
    /** webrtc-java's jars, from the optional roomwire-webrtc package; the launcher adds them to the class path when present. */
    public static final String WEBRTC = HOME + "/webrtc";
    /** The A/B prefix the updater writes (slots, the {@code current} link, trial, trust root); under {@link #STATE}. */
    public static final String UPDATE_HOME = "/var/lib/roomwire/update";
    public static final String LAUNCHER = "/usr/bin/roomwire";
    public static final String CONFIG = "/etc/roomwire/roomwire.properties";
    public static final String JVM_OPTIONS = "/etc/roomwire/jvm.options";
    public static final String UNIT = "/lib/systemd/system/roomwire.service";
    public static final String STATE = "/var/lib/roomwire";
    public static final String LOGS = "/var/log/roomwire";

    private ImageLayout() {
    }

    /** The systemd unit shipped as {@link #UNIT}. */
    public static String systemdUnit() {
        return resource("/roomwire.service");
    }

    /** The JVM flags the launcher passes, one per entry. */
    public static List<String> jvmFlags() {
        return resource("/jvm.options").lines().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    public static String launcher() {
        return resource("/roomwire.sh");
    }

    private static String resource(String name) {
        try (InputStream in = ImageLayout.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("image resource missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
