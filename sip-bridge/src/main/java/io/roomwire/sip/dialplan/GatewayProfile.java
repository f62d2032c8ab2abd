package io.roomwire.sip.dialplan;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * What Roomwire knows about one interop provider: the host names that identify its gateway or its
 * meeting links, and how its meetings are dialled. The invitation parser and the dial plan both
 * read these, so a provider is described once ({@link GatewayProfiles}).
 *
 * @param provider      the name in {@code JoinTarget.provider()}, events and logs, e.g. {@code teams-cisco}
 * @param name          what people call it, e.g. "Cisco Webex VIMT"
 * @param domains       gateway hosts (and their sub-domains) whose SIP addresses belong to this provider
 * @param linkHosts     hosts of join or instruction links that name this provider when the address does not
 * @param template      direct and IVR dial templates ({@code {tenant}}, {@code {id}}, {@code {domain}})
 * @param cvi           a Teams CVI gateway (dialled from the tenant key and video id of the invitation)
 * @param dtmf          how its IVR wants the digits keyed in; empty uses {@code sip.dtmf-delay} and {@code sip.dtmf-gap}
 */
public record GatewayProfile(String provider, String name, List<String> domains, List<String> linkHosts,
                             DialTemplate template, boolean cvi, Optional<DtmfTiming> dtmf) {

    /**
     * An IVR's digit timing: how long after the call connects the first digit goes, and the silence
     * between digits (RFC 4733 events; an IVR that plays a greeting first needs the longer delay).
     */
    public record DtmfTiming(Duration initialDelay, Duration interDigitGap) {
        public DtmfTiming {
            if (initialDelay.isNegative() || interDigitGap.isNegative()) {
                throw new IllegalArgumentException("DTMF delay and gap must not be negative");
            }
        }
    }

    /** A profile whose IVR takes the user agent's own DTMF timing. */
    public GatewayProfile(String provider, String name, List<String> domains, List<String> linkHosts,
                          DialTemplate template, boolean cvi) {
        this(provider, name, domains, linkHosts, template, cvi, Optional.empty());
    }

    /** This profile with its IVR digits keyed in after {@code initialDelay}, {@code interDigitGap} apart. */
    public GatewayProfile withDtmf(Duration initialDelay, Duration interDigitGap) {
        return new GatewayProfile(provider, name, domains, linkHosts, template, cvi,
                Optional.of(new DtmfTiming(initialDelay, interDigitGap)));
    }

    public GatewayProfile {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(name, "name");
        domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        linkHosts = linkHosts.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(dtmf, "dtmf");
        if (!template.provider().equals(provider)) {
            throw new IllegalArgumentException("template of " + template.provider() + " given to profile " + provider);
        }
    }

    /** {@code host} (lower case, checked) is one of {@link #domains()} or under one, on a label boundary. */
    public boolean ownsHost(String host) {
        return longestMatch(host, domains) > 0;
    }

    /** {@code host} is one of {@link #linkHosts()} or under one. */
    public boolean ownsLink(String host) {
        return longestMatch(host, linkHosts) > 0;
    }

    /** The direct-dial URI for {@code id} at {@code domain} (the profile's default domain when empty). */
    public Optional<String> direct(String tenant, String id, String domain) {
        String d = domain == null || domain.isEmpty() ? template.defaultDomain().orElse("") : domain;
        return template.direct().map(t -> t.replace("{tenant}", tenant).replace("{id}", id).replace("{domain}", d));
    }

    static int longestMatch(String host, List<String> suffixes) {
        int best = 0;
        for (String s : suffixes) {
            boolean under = host.equals(s) || (host.endsWith(s) && host.length() > s.length()
                    && host.charAt(host.length() - s.length() - 1) == '.');
            if (under && s.length() > best) {
                best = s.length();
            }
        }
        return best;
    }
}
