package io.roomwire.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Whether a URL's host is the local machine, decided without DNS: only {@code localhost} and
 * literal loopback addresses (127.0.0.0/8, ::1) count. A name such as {@code 127.attacker.example}
 * is a name, not an address, and is never loopback here.
 */
public final class Loopback {

    private static final String IPV4 = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}";

    private Loopback() {
    }

    /** {@code host} as in {@link java.net.URI#getHost()} (IPv6 in brackets or bare). */
    public static boolean isLiteral(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.toLowerCase(Locale.ROOT).equals("localhost")) {
            return true;
        }
        // InetAddress.getByName resolves anything that is not an address literal: check the shape first
        if (!h.matches(IPV4) && !h.matches("[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
