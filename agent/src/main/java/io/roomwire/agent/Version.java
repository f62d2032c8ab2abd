package io.roomwire.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The agent's version, from the build; when the launcher runs a slot of the A/B layout it passes the slot's signed
 * version stamp ({@code -Droomwire.version}, the {@code VERSION} the update's manifest named), which is the version
 * the device reports.
 */
public final class Version {

    private static final String VERSION = load();

    private Version() {
    }

    public static String get() {
        return VERSION;
    }

    private static String load() {
        String slot = System.getProperty("roomwire.version");
        if (slot != null && !slot.isBlank()) {
            return slot.strip();
        }
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }
}
