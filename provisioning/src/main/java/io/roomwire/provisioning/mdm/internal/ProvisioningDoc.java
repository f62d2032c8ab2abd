package io.roomwire.provisioning.mdm.internal;

import io.roomwire.provisioning.mdm.MdmException;
import io.roomwire.provisioning.mdm.PollSchedule;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.w3c.dom.Element;

/**
 * The {@code wap-provisioningdoc} of a WSTEP response: root and client certificates
 * ({@code CertificateStore}), renewal ({@code CertificateStore/My/WSTEP/Renew}), the management
 * server ({@code APPLICATION} w7 {@code ADDR}, {@code PROVIDER-ID}) and the DMClient poll schedule.
 */
public record ProvisioningDoc(List<X509Certificate> roots, X509Certificate client, URI managementUrl, String providerId,
                              PollSchedule schedule, Duration renewPeriod, Duration renewRetryInterval) {

    public static final Duration DEFAULT_RENEW_PERIOD = Duration.ofDays(42);
    public static final Duration DEFAULT_RENEW_RETRY = Duration.ofDays(7);

    public static ProvisioningDoc parse(byte[] xml) throws MdmException {
        try {
            return parseChecked(xml);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private static ProvisioningDoc parseChecked(byte[] xml) throws MdmException {
        Element root;
        try {
            root = Xml.parse(xml);
        } catch (Xml.XmlException e) {
            throw bad("it is not well-formed XML (" + e.getMessage() + ")");
        }
        if (!"wap-provisioningdoc".equals(Xml.localName(root))) {
            throw bad("the root element is <" + Xml.localName(root) + ">");
        }
        List<X509Certificate> roots = new ArrayList<>();
        X509Certificate client = null;
        URI addr = null;
        String provider = null;
        PollSchedule schedule = PollSchedule.intune();
        Duration renew = DEFAULT_RENEW_PERIOD;
        Duration retry = DEFAULT_RENEW_RETRY;
        for (Element c : characteristics(root)) {
            String type = c.getAttribute("type");
            if ("CertificateStore".equals(type)) {
                for (Element store : characteristics(c)) {
                    String st = store.getAttribute("type");
                    for (Element sub : characteristics(store)) {
                        if ("Root".equals(st)) {
                            for (Element cert : characteristics(sub)) {
                                parm(cert, "EncodedCertificate").ifPresent(v -> roots.add(cert(v)));
                            }
                        } else if ("My".equals(st) && "WSTEP".equals(sub.getAttribute("type"))) {
                            for (Element r : characteristics(sub)) {
                                if ("Renew".equals(r.getAttribute("type"))) {
                                    renew = parm(r, "RenewPeriod").map(v -> days(v, "RenewPeriod")).orElse(renew);
                                    retry = parm(r, "RetryInterval").map(v -> days(v, "RetryInterval")).orElse(retry);
                                }
                            }
                        } else if ("My".equals(st)) {
                            for (Element cert : characteristics(sub)) {
                                Optional<String> enc = parm(cert, "EncodedCertificate");
                                if (enc.isPresent()) {
                                    client = cert(enc.get());
                                }
                            }
                        }
                    }
                }
            } else if ("APPLICATION".equals(type)) {
                Map<String, String> p = parms(c);
                if ("w7".equalsIgnoreCase(p.getOrDefault("APPID", "w7"))) {
                    provider = p.get("PROVIDER-ID");
                    String a = p.get("ADDR");
                    if (a != null) {
                        try {
                            addr = new URI(a.trim());
                        } catch (URISyntaxException e) {
                            throw bad("APPLICATION/ADDR '" + a + "' is not a URL");
                        }
                    }
                }
            } else if ("DMClient".equals(type)) {
                for (Element prov : Xml.path(c, "characteristic").map(ProvisioningDoc::characteristics).orElse(List.of())) {
                    for (Element poll : characteristics(prov)) {
                        if ("Poll".equals(poll.getAttribute("type"))) {
                            schedule = schedule(parms(poll));
                        }
                    }
                }
            }
        }
        if (client == null) {
            throw bad("it carries no client certificate (CertificateStore/My)");
        }
        if (addr == null) {
            throw bad("it names no management server (APPLICATION/ADDR)");
        }
        return new ProvisioningDoc(roots, client, addr, provider == null ? "Roomwire" : provider, schedule, renew, retry);
    }

    private static PollSchedule schedule(Map<String, String> p) throws MdmException {
        try {
            PollSchedule d = PollSchedule.intune();
            return new PollSchedule(
                    intOr(p, "NumberOfFirstRetries", d.firstCount()),
                    Duration.ofMinutes(intOr(p, "IntervalForFirstSetOfRetries", (int) d.firstInterval().toMinutes())),
                    intOr(p, "NumberOfSecondRetries", d.secondCount()),
                    Duration.ofMinutes(intOr(p, "IntervalForSecondSetOfRetries", (int) d.secondInterval().toMinutes())),
                    intOr(p, "NumberOfRemainingScheduledRetries", d.remainingCount()),
                    Duration.ofMinutes(intOr(p, "IntervalForRemainingScheduledRetries", (int) d.remainingInterval().toMinutes())));
        } catch (IllegalArgumentException e) {
            throw bad("its DMClient poll schedule is invalid (" + e.getMessage() + ")");
        }
    }

    private static int intOr(Map<String, String> p, String k, int dflt) {
        String v = p.get(k);
        return v == null ? dflt : Integer.parseInt(v.trim());
    }

    private static Duration days(String v, String name) {
        try {
            long d = Long.parseLong(v.trim());
            if (d < 0 || d > 3650) {
                throw new NumberFormatException();
            }
            return Duration.ofDays(d);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("WSTEP/Renew/" + name + " '" + v + "' is not a number of days");
        }
    }

    private static List<Element> characteristics(Element e) {
        return Xml.children(e, "characteristic");
    }

    private static Optional<String> parm(Element e, String name) {
        return Optional.ofNullable(parms(e).get(name));
    }

    private static Map<String, String> parms(Element e) {
        Map<String, String> m = new HashMap<>();
        for (Element p : Xml.children(e, "parm")) {
            m.put(p.getAttribute("name"), p.getAttribute("value"));
        }
        return m;
    }

    private static X509Certificate cert(String b64) {
        try {
            byte[] der = Base64.getMimeDecoder().decode(b64);
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw new IllegalArgumentException("EncodedCertificate is not a base64 X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static MdmException bad(String why) {
        return new MdmException(MdmException.Kind.MESSAGE_FORMAT, "The enrollment server's provisioning document "
                + "cannot be used: " + why);
    }
}
