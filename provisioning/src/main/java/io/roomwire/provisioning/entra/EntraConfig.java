package io.roomwire.provisioning.entra;

import io.roomwire.core.net.Loopback;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where and as what the device signs in to Entra ID. Built by the agent from its settings (the
 * provisioning module does not see the agent's config classes); every error names the key.
 *
 * @param authority      {@code entra.authority}: scheme + host (+ port) of the login service;
 *                       https required, plain http only for loopback hosts (simulators)
 * @param tenant         {@code entra.tenant}: tenant GUID, verified domain, or {@code organizations}
 * @param clientId       {@code entra.client-id}: Application (client) ID of a public-client app registration
 * @param scopes         {@code entra.scopes}: requested scopes; {@code openid profile offline_access}
 *                       are always added (id token for the account, refresh token to stay signed in)
 * @param caFile         {@code entra.ca-file}: PEM file with the CA certificate(s) to trust instead of
 *                       the JDK's default trust store (a simulator or a TLS-inspecting proxy)
 * @param requestTimeout {@code entra.request-timeout}: per HTTP request
 */
public record EntraConfig(URI authority, String tenant, String clientId, List<String> scopes,
                          Optional<Path> caFile, Duration requestTimeout) {

    public static final String KEY_AUTHORITY = "entra.authority";
    public static final String KEY_TENANT = "entra.tenant";
    public static final String KEY_CLIENT_ID = "entra.client-id";
    public static final String KEY_SCOPES = "entra.scopes";
    public static final String KEY_CA_FILE = "entra.ca-file";
    public static final String KEY_REQUEST_TIMEOUT = "entra.request-timeout";

    public static final URI DEFAULT_AUTHORITY = URI.create("https://login.microsoftonline.com");
    public static final List<String> DEFAULT_SCOPES = List.of("https://graph.microsoft.com/Calendars.Read",
            "https://graph.microsoft.com/User.Read", "offline_access");
    public static final List<String> ALWAYS_REQUESTED = List.of("openid", "profile", "offline_access");
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern GUID = Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern DOMAIN = Pattern.compile("(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+");
    private static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");

    public EntraConfig {
        Objects.requireNonNull(authority, KEY_AUTHORITY);
        Objects.requireNonNull(caFile, KEY_CA_FILE);
        Objects.requireNonNull(requestTimeout, KEY_REQUEST_TIMEOUT);
        List<String> problems = problems(authority, tenant, clientId, scopes, requestTimeout);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        authority = URI.create(authority.toString().replaceAll("/+$", ""));
        scopes = List.copyOf(scopes);
    }

    /** Config with the default authority, scopes and timeout. */
    public static EntraConfig of(String tenant, String clientId) {
        return new EntraConfig(DEFAULT_AUTHORITY, tenant, clientId, DEFAULT_SCOPES, Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    public EntraConfig withAuthority(URI a) {
        return new EntraConfig(a, tenant, clientId, scopes, caFile, requestTimeout);
    }

    public EntraConfig withScopes(List<String> s) {
        return new EntraConfig(authority, tenant, clientId, s, caFile, requestTimeout);
    }

    public EntraConfig withCaFile(Path ca) {
        return new EntraConfig(authority, tenant, clientId, scopes, Optional.of(ca), requestTimeout);
    }

    public EntraConfig withRequestTimeout(Duration t) {
        return new EntraConfig(authority, tenant, clientId, scopes, caFile, t);
    }

    /** Every problem with these values, each naming its key (empty when valid). */
    public static List<String> problems(URI authority, String tenant, String clientId, Collection<String> scopes,
                                        Duration requestTimeout) {
        List<String> p = new ArrayList<>();
        if (authority == null || authority.getScheme() == null || authority.getHost() == null) {
            p.add(KEY_AUTHORITY + " must be an absolute URL such as " + DEFAULT_AUTHORITY + ", got " + authority);
        } else {
            String scheme = authority.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("http")) {
                if (!isLoopback(authority.getHost())) {
                    p.add(KEY_AUTHORITY + " uses plain http to " + authority.getHost()
                            + ": tokens must not cross the network unencrypted; use https (http is allowed only for loopback simulators)");
                }
            } else if (!scheme.equals("https")) {
                p.add(KEY_AUTHORITY + " must use https, got " + scheme);
            }
            String path = authority.getPath();
            if (path != null && !path.isEmpty() && !path.equals("/")) {
                p.add(KEY_AUTHORITY + " must not contain a path (the tenant is set with " + KEY_TENANT + "), got " + authority);
            }
        }
        if (tenant == null || tenant.isBlank()) {
            p.add(KEY_TENANT + " is required: the tenant GUID, a verified domain (contoso.com) or 'organizations'");
        } else if (!GUID.matcher(tenant).matches() && !DOMAIN.matcher(tenant).matches()
                && !Set.of("organizations", "common").contains(tenant.toLowerCase(Locale.ROOT))) {
            p.add(KEY_TENANT + " must be a tenant GUID, a verified domain or 'organizations', got '" + tenant + "'");
        }
        if (clientId == null || !GUID.matcher(clientId).matches()) {
            p.add(KEY_CLIENT_ID + " must be the Application (client) ID GUID of the app registration, got '" + clientId + "'");
        }
        if (scopes == null || scopes.isEmpty()) {
            p.add(KEY_SCOPES + " must list at least one scope, e.g. https://graph.microsoft.com/Calendars.Read");
        } else {
            for (String s : scopes) {
                if (s == null || !SCOPE.matcher(s).matches()) {
                    p.add(KEY_SCOPES + " contains an invalid scope '" + s + "' (scopes are separated by spaces)");
                }
            }
        }
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero()) {
            p.add(KEY_REQUEST_TIMEOUT + " must be positive");
        }
        return p;
    }

    /** The scope parameter sent to Entra: the configured scopes plus {@link #ALWAYS_REQUESTED}. */
    public String scopeParameter() {
        Set<String> all = new LinkedHashSet<>(scopes);
        all.addAll(ALWAYS_REQUESTED);
        return String.join(" ", all);
    }

    public URI deviceCodeEndpoint() {
        return URI.create(authority + "/" + tenant + "/oauth2/v2.0/devicecode");
    }

    public URI tokenEndpoint() {
        return URI.create(authority + "/" + tenant + "/oauth2/v2.0/token");
    }

    /**
     * The TLS context for the login service: the JDK's trust store, or only the CA(s) in
     * {@code entra.ca-file}. Throws with the key named when the file cannot be used.
     */
    public SSLContext sslContext() {
        try {
            if (caFile.isEmpty()) {
                return SSLContext.getDefault();
            }
            Path f = caFile.get();
            Collection<? extends Certificate> certs;
            try (InputStream in = Files.newInputStream(f)) {
                certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(KEY_CA_FILE + " " + f + " holds no PEM certificate");
            }
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (Certificate c : certs) {
                ts.setCertificateEntry("ca" + i++, c);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new IllegalArgumentException(KEY_CA_FILE + " cannot be read: " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(KEY_CA_FILE + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    static boolean isLoopback(String host) {
        return Loopback.isLiteral(host);
    }
}
