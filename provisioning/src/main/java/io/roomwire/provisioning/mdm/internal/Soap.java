package io.roomwire.provisioning.mdm.internal;

import io.roomwire.provisioning.mdm.MdmException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.w3c.dom.Element;

/** SOAP 1.2 envelopes with WS-Addressing and WS-Security headers, and fault decoding (MS-MDE2). */
public final class Soap {

    public static final String CONTENT_TYPE = "application/soap+xml; charset=utf-8";
    public static final String NS_S = "http://www.w3.org/2003/05/soap-envelope";
    public static final String NS_A = "http://www.w3.org/2005/08/addressing";
    public static final String NS_WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
    public static final String NS_WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    public static final String NS_AC = "http://schemas.xmlsoap.org/ws/2006/12/authorization";
    public static final String NS_ENROLL = "http://schemas.microsoft.com/windows/management/2012/01/enrollment";
    public static final String NS_XCEP = "http://schemas.microsoft.com/windows/pki/2009/01/enrollmentpolicy";
    public static final String NS_WSTEP = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment";
    public static final String ACTION_DISCOVER = NS_ENROLL + "/IDiscoveryService/Discover";
    public static final String ACTION_GET_POLICIES = NS_XCEP + "/IPolicy/GetPolicies";
    public static final String ACTION_RST = NS_WSTEP + "/RST/wstep";
    public static final String BASE64 = NS_WSSE + "#base64binary";
    public static final String USER_TOKEN = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentUserToken";
    public static final String X509_TOKEN = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
    public static final String PKCS10 = NS_WSTEP + "#PKCS10";
    public static final String ENROLLMENT_TOKEN = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentToken";
    public static final String PROVISION_DOC = "http://schemas.microsoft.com/5.0.0.0/ConfigurationManager/Enrollment/DeviceEnrollmentProvisionDoc";
    public static final String ISSUE = NS_WST + "/Issue";
    public static final String RENEW = NS_WST + "/Renew";

    private Soap() {
    }

    /**
     * Opens an envelope with the addressing header and, when {@code tokenType} is non-null, a
     * {@code wsse:Security} header carrying {@code tokenBase64}; the caller writes the body
     * content and calls {@link #finish}.
     */
    public static Xml.Writer envelope(String action, String to, String tokenType, String tokenBase64) {
        Xml.Writer w = new Xml.Writer().declaration();
        w.open("s:Envelope", "xmlns:s", NS_S, "xmlns:a", NS_A, "xmlns:wsse", NS_WSSE, "xmlns:wst", NS_WST,
                "xmlns:ac", NS_AC);
        w.open("s:Header");
        w.leaf("a:Action", action, "s:mustUnderstand", "1");
        w.leaf("a:MessageID", "urn:uuid:" + UUID.randomUUID());
        w.open("a:ReplyTo").leaf("a:Address", "http://www.w3.org/2005/08/addressing/anonymous").close();
        w.leaf("a:To", to, "s:mustUnderstand", "1");
        if (tokenType != null) {
            w.open("wsse:Security", "s:mustUnderstand", "1");
            w.leaf("wsse:BinarySecurityToken", tokenBase64, "ValueType", tokenType, "EncodingType", BASE64);
            w.close();
        }
        w.close();
        w.open("s:Body");
        return w;
    }

    public static byte[] finish(Xml.Writer w) {
        return w.close().close().bytes();
    }

    /**
     * Parses a SOAP response: the Body element, or an {@link MdmException} for a fault, for a
     * non-2xx status without a fault, or for a body that is not SOAP.
     */
    public static Element body(MdmHttp.Response r, String what) throws MdmException {
        Element env;
        try {
            env = Xml.parse(r.body());
        } catch (Xml.XmlException e) {
            if (r.status() >= 500) {
                throw new MdmException(MdmException.Kind.SERVER, what + " failed with HTTP " + r.status() + "; will retry");
            }
            if (r.status() >= 400) {
                throw new MdmException(r.status() == 401 ? MdmException.Kind.AUTHENTICATION : MdmException.Kind.AUTHORIZATION,
                        what + " refused with HTTP " + r.status() + "; check mdm.discovery-url and the Entra sign-in");
            }
            throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, what + " answered with unreadable XML ("
                    + e.getMessage() + ")", e);
        }
        if (!"Envelope".equals(Xml.localName(env)) || !NS_S.equals(env.getNamespaceURI())) {
            throw new MdmException(MdmException.Kind.MESSAGE_FORMAT, what + " answered with <" + Xml.localName(env)
                    + ">, not a SOAP 1.2 envelope");
        }
        Element body = Xml.child(env, "Body").orElseThrow(() -> new MdmException(MdmException.Kind.MESSAGE_FORMAT,
                what + " answered with a SOAP envelope without a Body"));
        Optional<Element> fault = Xml.child(body, "Fault");
        if (fault.isPresent()) {
            throw fault(fault.get(), r.status(), what);
        }
        if (r.status() / 100 != 2) {
            throw new MdmException(r.status() >= 500 ? MdmException.Kind.SERVER : MdmException.Kind.MESSAGE_FORMAT,
                    what + " failed with HTTP " + r.status());
        }
        return body;
    }

    private static MdmException fault(Element f, int status, String what) {
        String code = Xml.text(f, "Code", "Value").orElse("");
        String sub = Xml.text(f, "Code", "Subcode", "Value").orElse(code);
        String reason = Xml.text(f, "Reason", "Text").orElse("(no reason given)");
        String local = sub.contains(":") ? sub.substring(sub.indexOf(':') + 1) : sub;
        String shown = what + " was refused with SOAP fault " + sub + " (HTTP " + status + "): " + reason;
        return switch (local.toLowerCase(Locale.ROOT)) {
            case "authentication", "invalidsecurity" -> new MdmException(MdmException.Kind.AUTHENTICATION, shown
                    + "; the Entra access token was not accepted: sign in again (roomwire enroll) and check mdm.upn");
            case "authorization" -> new MdmException(MdmException.Kind.AUTHORIZATION, shown
                    + "; the user may not enroll devices: allow MDM enrollment for this account (MDM user scope) in the tenant");
            case "messageformat" -> new MdmException(MdmException.Kind.MESSAGE_FORMAT, shown
                    + "; the server could not read the request: check mdm.discovery-url points at an MS-MDE2 enrollment server");
            case "devicenotsupported" -> new MdmException(MdmException.Kind.CONFIGURATION, shown
                    + "; the server does not accept this device type: check mdm.device-type");
            default -> new MdmException(MdmException.Kind.SERVER, shown + "; will retry");
        };
    }

    public static String base64(byte[] b) {
        return java.util.Base64.getEncoder().encodeToString(b);
    }

    public static String base64(String s) {
        return base64(s.getBytes(StandardCharsets.UTF_8));
    }
}
