package io.roomwire.provisioning.mdm;

import io.roomwire.hal.DeviceInfo;
import io.roomwire.provisioning.identity.DeviceIdentity;
import io.roomwire.provisioning.mdm.internal.MdmHttp;
import io.roomwire.provisioning.mdm.internal.ProvisioningDoc;
import io.roomwire.provisioning.mdm.internal.Soap;
import io.roomwire.provisioning.mdm.internal.Tls;
import io.roomwire.provisioning.mdm.internal.Xml;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.tinylog.Logger;
import org.w3c.dom.Element;

/**
 * The MS-MDE2 enrollment client: discovery (GET, then POST {@code Discover}), MS-XCEP
 * {@code GetPolicies} and MS-WSTEP {@code RequestSecurityToken} with a PKCS#10 CSR for the device
 * key, authenticated by the Entra access token ({@code Federated} auth policy). Renewal sends a
 * WSTEP {@code Renew} over mutual TLS with the current client certificate.
 */
public final class EnrollmentClient {

    /** Where discovery says to go next. */
    public record Discovery(String authPolicy, URI policyUrl, URI enrollmentUrl, Optional<URI> authenticationUrl) {
    }

    /** What the certificate enrollment policy asks for (MS-XCEP). */
    public record CertificatePolicy(int minimalKeyLength, String hashAlgorithmOid, Duration validity, Duration renewal) {
    }

    /** EC P-256 is equivalent in strength to RSA 3072; policies asking more cannot be met with the device key. */
    private static final int DEVICE_KEY_STRENGTH_RSA_EQUIVALENT = 3072;

    private final MdmConfig config;
    private final DeviceIdentity identity;
    private final DeviceInfo device;
    private final Clock clock;
    private final MdmHttp http;

    public EnrollmentClient(MdmConfig config, DeviceIdentity identity, DeviceInfo device, Clock clock) {
        this.config = config;
        this.identity = identity;
        this.device = device;
        this.clock = clock;
        this.http = new MdmHttp(Tls.context(config.trustAnchors(), List.of(), Optional.empty(), List.of()),
                config.requestTimeout(), clock);
    }

    /** The device's MDM DeviceID: the first 32 hex digits of its key fingerprint, upper case. */
    public static String deviceId(DeviceIdentity identity) {
        return identity.fingerprint().substring(0, 32).toUpperCase(Locale.ROOT);
    }

    /** Runs discovery, policy and enrollment with {@code accessToken}; the result is not stored here. */
    public Enrollment enroll(String accessToken) throws MdmException {
        Discovery d = discover();
        CertificatePolicy p = policies(d, accessToken);
        return requestCertificate(d, p, accessToken);
    }

    public Discovery discover() throws MdmException {
        URI url = config.discoveryUrl();
        MdmHttp.Response probe = http.get(url, "MDM discovery");
        if (probe.status() == 404) {
            throw new MdmException(MdmException.Kind.CONFIGURATION, "MDM discovery URL " + url
                    + " does not exist (HTTP 404): check mdm.discovery-url");
        }
        Xml.Writer w = Soap.envelope(Soap.ACTION_DISCOVER, url.toString(), null, null);
        w.open("Discover", "xmlns", Soap.NS_ENROLL)
                .open("request", "xmlns:i", "http://www.w3.org/2001/XMLSchema-instance")
                .leaf("EmailAddress", config.upn())
                .leaf("RequestVersion", "4.0")
                .leaf("DeviceType", config.deviceType())
                .leaf("ApplicationVersion", device.firmwareVersion())
                .leaf("OSEdition", device.osEdition())
                .open("AuthPolicies").leaf("AuthPolicy", "Federated").close()
                .close().close();
        Element body = Soap.body(http.post(url, Soap.CONTENT_TYPE, Soap.finish(w), "MDM discovery"), "MDM discovery");
        Element result = Xml.path(body, "DiscoverResponse", "DiscoverResult").orElseThrow(() -> format(
                "MDM discovery answered without DiscoverResponse/DiscoverResult"));
        String policy = Xml.text(result, "AuthPolicy").orElse("");
        if (!"Federated".equalsIgnoreCase(policy)) {
            throw new MdmException(MdmException.Kind.CONFIGURATION, "MDM discovery at " + url + " offers auth policy '"
                    + policy + "'; Roomwire enrolls with an Entra token (Federated) only: configure the MDM for "
                    + "Entra (federated) enrollment");
        }
        URI enrollUrl = url(result, "EnrollmentServiceUrl", true).orElseThrow();
        URI policyUrl = url(result, "EnrollmentPolicyServiceUrl", false).orElse(enrollUrl);
        Discovery d = new Discovery(policy, policyUrl, enrollUrl, url(result, "AuthenticationServiceUrl", false));
        Logger.info("MDM discovery for {}: policy {}, enrollment {}", config.upn(), d.policyUrl(), d.enrollmentUrl());
        return d;
    }

    private Optional<URI> url(Element result, String name, boolean required) throws MdmException {
        Optional<String> v = Xml.text(result, name).filter(s -> !s.isEmpty());
        if (v.isEmpty()) {
            if (required) {
                throw format("MDM discovery answered without " + name);
            }
            return Optional.empty();
        }
        try {
            return Optional.of(MdmHttp.check(new URI(v.get()), "MDM " + name));
        } catch (URISyntaxException e) {
            throw format("MDM discovery returned " + name + " '" + v.get() + "', which is not a URL");
        }
    }

    public CertificatePolicy policies(Discovery d, String accessToken) throws MdmException {
        Xml.Writer w = Soap.envelope(Soap.ACTION_GET_POLICIES, d.policyUrl().toString(), Soap.USER_TOKEN,
                Soap.base64(accessToken));
        String xsi = "http://www.w3.org/2001/XMLSchema-instance";
        w.open("GetPolicies", "xmlns", Soap.NS_XCEP, "xmlns:xsi", xsi)
                .open("client").empty("lastUpdate", "xsi:nil", "true").empty("preferredLanguage", "xsi:nil", "true").close()
                .empty("requestFilter", "xsi:nil", "true")
                .close();
        Element body = Soap.body(http.post(d.policyUrl(), Soap.CONTENT_TYPE, Soap.finish(w), "MDM certificate policy"),
                "MDM certificate policy");
        Element resp = Xml.child(body, "GetPoliciesResponse").orElseThrow(() -> format(
                "MDM certificate policy answered without GetPoliciesResponse"));
        Optional<Element> attrs = Xml.path(resp, "response", "policies", "policy", "attributes");
        int keyLen = attrs.flatMap(a -> Xml.text(a, "privateKeyAttributes", "minimalKeyLength"))
                .map(EnrollmentClient::integer).orElse(2048);
        String hashRef = attrs.flatMap(a -> Xml.text(a, "hashAlgorithmOIDReference")).orElse("");
        String hashOid = "2.16.840.1.101.3.4.2.1";
        for (Element oid : Xml.path(resp, "oIDs").map(o -> Xml.children(o, "oID")).orElse(List.of())) {
            if (Xml.text(oid, "oIDReferenceID").orElse("-").equals(hashRef)) {
                hashOid = Xml.text(oid, "value").orElse(hashOid);
            }
        }
        Duration validity = attrs.flatMap(a -> Xml.text(a, "certificateValidity", "validityPeriodSeconds"))
                .map(s -> Duration.ofSeconds(integer(s))).orElse(Duration.ofDays(365));
        Duration renewal = attrs.flatMap(a -> Xml.text(a, "certificateValidity", "renewalPeriodSeconds"))
                .map(s -> Duration.ofSeconds(integer(s))).orElse(ProvisioningDoc.DEFAULT_RENEW_PERIOD);
        if (keyLen > DEVICE_KEY_STRENGTH_RSA_EQUIVALENT) {
            throw new MdmException(MdmException.Kind.CONFIGURATION, "The MDM certificate policy asks for a " + keyLen
                    + "-bit key; the device key is EC P-256 (RSA-3072 equivalent): lower minimalKeyLength in the policy");
        }
        Logger.debug("MDM certificate policy: key >= {} bits, hash {}, validity {}", keyLen, hashOid, validity);
        return new CertificatePolicy(keyLen, hashOid, validity, renewal);
    }

    private static int integer(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private Enrollment requestCertificate(Discovery d, CertificatePolicy p, String accessToken) throws MdmException {
        String deviceId = deviceId(identity);
        byte[] rst = rst(d.enrollmentUrl(), Soap.ISSUE, Soap.USER_TOKEN, Soap.base64(accessToken), deviceId);
        Element body = Soap.body(http.post(d.enrollmentUrl(), Soap.CONTENT_TYPE, rst, "MDM enrollment"), "MDM enrollment");
        ProvisioningDoc doc = provisioningDoc(body, "MDM enrollment");
        checkIssued(doc);
        Enrollment e = new Enrollment(deviceId, config.upn(), doc.providerId(), MdmHttp.check(doc.managementUrl(),
                "MDM management server"), d.enrollmentUrl(), doc.roots(), doc.client(),
                config.schedule().orElse(doc.schedule()), doc.renewPeriod(), doc.renewRetryInterval(), clock.instant());
        Logger.info("Enrolled in MDM as {} (device {}), management server {}, certificate until {}", config.upn(),
                deviceId, e.managementUrl(), e.certificateExpiry());
        return e;
    }

    /** Renews the client certificate over mutual TLS with the current one (WSTEP Renew). */
    public Enrollment renew(Enrollment current) throws MdmException {
        MdmHttp mtls = new MdmHttp(clientTls(current), config.requestTimeout(), clock);
        String certB64;
        try {
            certB64 = Base64.getEncoder().encodeToString(current.clientCertificate().getEncoded());
        } catch (CertificateEncodingException e) {
            throw new MdmException(MdmException.Kind.CONFIGURATION, "The stored MDM client certificate cannot be encoded", e);
        }
        byte[] rst = rst(current.enrollmentServiceUrl(), Soap.RENEW, Soap.X509_TOKEN, certB64, current.deviceId());
        Element body = Soap.body(mtls.post(current.enrollmentServiceUrl(), Soap.CONTENT_TYPE, rst, "MDM certificate renewal"),
                "MDM certificate renewal");
        ProvisioningDoc doc = provisioningDoc(body, "MDM certificate renewal");
        ProvisioningDoc withRoots = new ProvisioningDoc(doc.roots().isEmpty() ? current.rootCertificates() : doc.roots(),
                doc.client(), doc.managementUrl(), doc.providerId(), doc.schedule(), doc.renewPeriod(), doc.renewRetryInterval());
        checkIssued(withRoots);
        Logger.info("Renewed the MDM client certificate of {}: valid until {}", current.deviceId(),
                doc.client().getNotAfter().toInstant());
        return current.withClientCertificate(doc.client());
    }

    /** The mutual-TLS context for the management server: device key + issued certificate. */
    public javax.net.ssl.SSLContext clientTls(Enrollment e) {
        return Tls.context(config.trustAnchors(), e.rootCertificates(), Optional.of(identity.keyPair().getPrivate()),
                List.of(e.clientCertificate()));
    }

    private byte[] rst(URI to, String requestType, String tokenType, String token, String deviceId) {
        String csr = Base64.getEncoder().encodeToString(identity.csr(deviceId));
        Xml.Writer w = Soap.envelope(Soap.ACTION_RST, to.toString(), tokenType, token);
        w.open("wst:RequestSecurityToken")
                .leaf("wst:TokenType", Soap.ENROLLMENT_TOKEN)
                .leaf("wst:RequestType", requestType)
                .leaf("wsse:BinarySecurityToken", csr, "ValueType", Soap.PKCS10, "EncodingType", Soap.BASE64)
                .open("ac:AdditionalContext", "xmlns", Soap.NS_AC);
        context(w, "DeviceID", deviceId);
        context(w, "DeviceName", config.deviceName());
        context(w, "DeviceType", config.deviceType());
        context(w, "EnrollmentType", "Device");
        context(w, "OSVersion", device.firmwareVersion());
        context(w, "OSEdition", device.osEdition());
        context(w, "MAC", device.macAddress().toUpperCase(Locale.ROOT));
        context(w, "HWDevID", device.serialNumber());
        context(w, "ApplicationVersion", device.firmwareVersion());
        w.close().close();
        return Soap.finish(w);
    }

    private static void context(Xml.Writer w, String name, String value) {
        w.open("ac:ContextItem", "Name", name).leaf("ac:Value", value).close();
    }

    private static ProvisioningDoc provisioningDoc(Element body, String what) throws MdmException {
        Element token = Xml.find(body, "RequestedSecurityToken").flatMap(r -> Xml.child(r, "BinarySecurityToken"))
                .orElseThrow(() -> format(what + " answered without RequestedSecurityToken/BinarySecurityToken"));
        if (!Soap.PROVISION_DOC.equals(token.getAttribute("ValueType"))) {
            throw format(what + " returned a token of type '" + token.getAttribute("ValueType")
                    + "', not a provisioning document");
        }
        byte[] xml;
        try {
            xml = Base64.getMimeDecoder().decode(token.getTextContent().trim());
        } catch (IllegalArgumentException e) {
            throw format(what + " returned a provisioning document that is not base64");
        }
        return ProvisioningDoc.parse(xml);
    }

    private void checkIssued(ProvisioningDoc doc) throws MdmException {
        X509Certificate c = doc.client();
        if (!c.getPublicKey().equals(identity.keyPair().getPublic())) {
            throw format("The MDM issued a client certificate for another key than the device's: enrollment rejected");
        }
        if (c.getNotAfter().toInstant().isBefore(clock.instant())) {
            throw format("The MDM issued a client certificate that expired at " + c.getNotAfter().toInstant());
        }
        List<String> errors = new ArrayList<>();
        for (X509Certificate root : doc.roots()) {
            try {
                c.verify(root.getPublicKey());
                return;
            } catch (GeneralSecurityException e) {
                errors.add(root.getSubjectX500Principal().getName());
            }
        }
        throw format("The MDM client certificate is not signed by any root of the provisioning document "
                + (errors.isEmpty() ? "(it lists none)" : errors));
    }

    private static MdmException format(String message) {
        return new MdmException(MdmException.Kind.MESSAGE_FORMAT, message);
    }
}
