package io.roomwire.webrtc;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A STUN or TURN server for ICE (RFC 8445 §5.1.1), e.g. {@code turn:turn.example.com:3478?transport=udp}. Its URLs
 * are checked against RFC 7064 ({@code stun:}/{@code stuns:} host[:port]) and RFC 7065 ({@code turn:}/{@code turns:}
 * host[:port][?transport=udp|tcp]) before libwebrtc sees them: libwebrtc drops a URL it cannot parse with a line in its
 * own log, and the room would then join with fewer servers than configured and not say why.
 *
 * <p>A {@code turns:} server's TLS certificate is checked by libwebrtc ({@link TlsCheck#VERIFY}, the default): it must
 * chain to a root of libwebrtc's own built-in list (public CAs; webrtc-java 0.14.0 can be given no other CA, and
 * SSL_CERT_FILE/SSL_CERT_DIR did not make it trust one) and, by libwebrtc's source, name the URL's host. {@link TlsCheck#NONE} connects to any certificate; see {@link #withoutCertificateCheck()}.
 *
 * @param credential the TURN password; never logged
 * @param tlsCheck   how a {@code turns:} server's certificate is checked; without effect on the other schemes
 */
public record IceServer(List<String> urls, Optional<String> username, Optional<String> credential, TlsCheck tlsCheck) {

    /** What the room checks of a {@code turns:} server's TLS certificate (webrtc-java's {@code TlsCertPolicy}). */
    public enum TlsCheck {
        /** The chain to a root libwebrtc has built in, the validity dates, and the URL's host name (the default). */
        VERIFY,
        /** Nothing: the TLS hides the TURN exchange from passive listeners only; anyone on the path can pose as the server. */
        NONE
    }

    /** host[:port][?query]: an IPv6 literal in brackets, or an IPv4 address or DNS name, then digits. */
    private static final Pattern HOST_PORT_QUERY = Pattern.compile("(\\[[^\\]]*\\]|[^:?\\[\\]]*)(?::([^?]*))?(?:\\?(.*))?");
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    public IceServer {
        urls = List.copyOf(urls);
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(credential, "credential");
        Objects.requireNonNull(tlsCheck, "tlsCheck");
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("an ICE server needs a URL: stun:host:port or user:password@turn:host:port");
        }
        for (String u : urls) {
            checkUrl(u);
            if (u.startsWith("turn") && (username.isEmpty() || credential.isEmpty())) {
                throw new IllegalArgumentException("TURN server " + u + " needs a username and a credential (RFC 8656 §9.2)");
            }
        }
    }

    /** A server whose {@code turns:} certificate is verified (the default). */
    public IceServer(List<String> urls, Optional<String> username, Optional<String> credential) {
        this(urls, username, credential, TlsCheck.VERIFY);
    }

    /**
     * This server with its {@code turns:} certificate not checked at all ({@link TlsCheck#NONE}). webrtc-java 0.14.0 can
     * be given neither a CA nor a certificate to trust, so this is the only way to reach a TURN server over TLS whose
     * certificate a private CA issued; the TURN long-term credential still protects the allocation (RFC 8656 §9.2),
     * not the media's path. Not settable from the room's configuration.
     */
    public IceServer withoutCertificateCheck() {
        return new IceServer(urls, username, credential, TlsCheck.NONE);
    }

    /**
     * Checks one URL against RFC 7064 §3.1 / RFC 7065 §3.1 and what libwebrtc can do, with the reason and the fix when
     * it is refused. The URL carries no credential ({@link #parse} takes {@code user:password@} off first).
     */
    static void checkUrl(String url) {
        int colon = url.indexOf(':');
        String scheme = colon < 0 ? "" : url.substring(0, colon);
        boolean turn = scheme.equals("turn") || scheme.equals("turns");
        if (!turn && !scheme.equals("stun") && !scheme.equals("stuns")) {
            // Only the part before ':': a spec without '@url' would otherwise show its password here.
            throw new IllegalArgumentException("an ICE server URL starts with stun:, stuns:, turn: or turns:, got '"
                    + (colon < 0 ? "(no scheme)" : scheme + ":...") + "' (a TURN server is written user:password@turn:host:port)");
        }
        String form = turn ? scheme + ":host[:port][?transport=udp|tcp] (RFC 7065 §3.1)" : scheme + ":host[:port] (RFC 7064 §3.1)";
        String rest = url.substring(colon + 1);
        if (rest.startsWith("//")) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has '//' after " + scheme + ": write " + form);
        }
        if (rest.contains("@")) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has a user part: write user:password@" + form);
        }
        Matcher m = HOST_PORT_QUERY.matcher(rest);
        if (!m.matches()) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' is not " + form);
        }
        String host = m.group(1);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' names no host: write " + form);
        }
        if (host.startsWith("[")) {
            String literal = host.substring(1, host.length() - 1);
            if (!IPV6.matcher(literal).matches() || !literal.contains(":")) {
                throw new IllegalArgumentException("ICE server URL '" + url + "' has '" + host + "', not an IPv6 address in brackets");
            }
        } else if (!DNS_NAME.matcher(host).matches()) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has host '" + host
                    + "', which is neither an IPv4 address nor a DNS name (an IPv6 address goes in brackets): write " + form);
        }
        String port = m.group(2);
        if (port != null && (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535)) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has port '" + port + "', not 1-65535: write " + form);
        }
        String query = m.group(3);
        if (query == null) {
            return;
        }
        if (!turn) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has '?" + query + "': a " + scheme
                    + ": URL takes no parameters (RFC 7064 §3.1)");
        }
        if (!query.startsWith("transport=")) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has '?" + query + "': the only parameter is"
                    + " ?transport=udp or ?transport=tcp (RFC 7065 §3.1)");
        }
        String transport = query.substring("transport=".length());
        if (transport.equals("udp") && scheme.equals("turns")) {
            // RFC 7065 reads turns:...?transport=udp as TURN over DTLS, which libwebrtc does not implement.
            throw new IllegalArgumentException("ICE server URL '" + url + "' asks for TURN over DTLS, which the room's WebRTC stack"
                    + " does not support: use turns:...?transport=tcp (TLS) or turn:...?transport=udp");
        }
        if (!transport.equals("udp") && !transport.equals("tcp")) {
            throw new IllegalArgumentException("ICE server URL '" + url + "' has transport '" + transport
                    + "': write ?transport=udp or ?transport=tcp" + (transport.toLowerCase(Locale.ROOT).matches("udp|tcp")
                    ? " (lower case, RFC 7065 §3.1)" : transport.equalsIgnoreCase("tls") ? " (TLS is the turns: scheme)" : ""));
        }
    }

    /**
     * Parses {@code url[|url...]} optionally prefixed by {@code user:password@} for TURN, e.g.
     * {@code room7:s3cret@turn:turn.example.com:3478} (the user ends at the first ':', the password at the last '@' that
     * a scheme follows, so that a password may hold '@' and a URL with a user part is refused rather than misread).
     */
    public static IceServer parse(String spec) {
        String s = spec.strip();
        int at = s.lastIndexOf('@');
        for (int i = at; i > 0; i = s.lastIndexOf('@', i - 1)) {
            if (s.startsWith("turn:", i + 1) || s.startsWith("turns:", i + 1) || s.startsWith("stun:", i + 1)
                    || s.startsWith("stuns:", i + 1)) {
                at = i;
                break;
            }
        }
        if (at > 0 && s.substring(0, at).contains(":")) {
            String userPass = s.substring(0, at);
            int colon = userPass.indexOf(':');
            return new IceServer(List.of(s.substring(at + 1).split("\\|", -1)),
                    Optional.of(userPass.substring(0, colon)), Optional.of(userPass.substring(colon + 1)));
        }
        return new IceServer(List.of(s.split("\\|", -1)), Optional.empty(), Optional.empty());
    }

    @Override
    public String toString() {
        return "IceServer" + urls + username.map(u -> " as " + u).orElse("")
                + (tlsCheck == TlsCheck.NONE ? " (TLS certificate not checked)" : "");
    }
}
