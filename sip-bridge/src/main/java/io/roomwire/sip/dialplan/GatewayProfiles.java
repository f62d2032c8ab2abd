package io.roomwire.sip.dialplan;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The interop providers Roomwire dials, each described once. Templates use {@code {tenant}},
 * {@code {id}} and {@code {domain}}; an IVR template has no {@code {id}} (the id is keyed in by DTMF,
 * RFC 4733, after {@code sip.dtmf-delay}). The agent overrides the CVI templates with
 * {@code obtp.template.<cisco|poly|pexip|generic>.direct / .ivr} (docs/obtp.md).
 */
public final class GatewayProfiles {

    /** Teams CVI through Cisco's Webex Video Integration for Microsoft Teams: {@code <VideoID>.<tenant>@m.webex.com}. */
    public static final GatewayProfile CISCO_VIMT = new GatewayProfile("teams-cisco", "Cisco Webex VIMT",
            List.of("m.webex.com"), List.of(),
            template("teams-cisco", "sips:{id}.{tenant}@{domain}", "sips:{tenant}@{domain}", "m.webex.com"), true);

    /** Teams CVI through Poly RealConnect: {@code <tenantKey>.<confId>@t.plcm.vc}. */
    public static final GatewayProfile POLY_REALCONNECT = new GatewayProfile("teams-poly", "Poly RealConnect",
            List.of("plcm.vc"), List.of("plcm.vc"),
            template("teams-poly", "sips:{tenant}.{id}@{domain}", "sips:{tenant}@{domain}", "t.plcm.vc"), true);

    /**
     * Teams CVI through Pexip: the tenant's own gateway domain (an instructions link on pexip.me names it).
     * The IVR is the Virtual Reception alias the invitation prints as the tenant key address
     * ({@code teams@vc.contoso.com} by Pexip's convention, but each deployment names its own), so it is
     * dialled from the tenant key, not a fixed {@code teams}.
     */
    public static final GatewayProfile PEXIP = new GatewayProfile("teams-pexip", "Pexip",
            List.of(), List.of("pexip.me"),
            template("teams-pexip", "sips:{id}@{domain}", "sips:{tenant}@{domain}", null), true);

    /** Any other Teams CVI gateway (Microsoft's generic CVI section), on the domain the invitation names. */
    public static final GatewayProfile MICROSOFT_CVI = new GatewayProfile("teams-cvi", "Microsoft generic CVI",
            List.of(), List.of(), template("teams-cvi", "sips:{id}@{domain}", "sips:{tenant}@{domain}", null), true);

    /** Webex meetings by SIP: {@code <meeting number or personal room>@<site>.webex.com}. */
    public static final GatewayProfile WEBEX = new GatewayProfile("webex", "Webex",
            List.of("webex.com"), List.of("webex.com"), template("webex", "sip:{id}@{domain}", null, null), false);

    /** Zoom's Cloud Room Connector: {@code <meetingId>[.<passcode>]@zoomcrc.com}. */
    public static final GatewayProfile ZOOM = new GatewayProfile("zoom", "Zoom",
            List.of("zoomcrc.com"), List.of("zoom.us", "zoomgov.com"),
            template("zoom", "sip:{id}@{domain}", null, "zoomcrc.com"), false);

    /** A SIP address dialled as written. */
    public static final GatewayProfile PLAIN_SIP = new GatewayProfile("sip", "plain SIP", List.of(), List.of(),
            template("sip", "sip:{id}@{domain}", null, null), false);

    /** Every provider, Teams CVI gateways first. */
    public static final List<GatewayProfile> ALL = List.of(CISCO_VIMT, POLY_REALCONNECT, PEXIP, MICROSOFT_CVI, WEBEX,
            ZOOM, PLAIN_SIP);

    private GatewayProfiles() {
    }

    /** The profile named {@code provider} ({@code teams-cisco}, {@code zoom}, ...). */
    public static Optional<GatewayProfile> byProvider(String provider) {
        String p = provider.toLowerCase(Locale.ROOT);
        return ALL.stream().filter(g -> g.provider().equals(p)).findFirst();
    }

    /** The provider whose gateway {@code host} is, the most specific domain winning (m.webex.com over webex.com). */
    public static Optional<GatewayProfile> forHost(String host) {
        return ALL.stream().filter(g -> g.ownsHost(host))
                .max(Comparator.comparingInt(g -> GatewayProfile.longestMatch(host, g.domains())));
    }

    /** The CVI provider a join or instructions link on {@code host} names, if any. */
    public static Optional<GatewayProfile> forLink(String host) {
        return ALL.stream().filter(g -> g.cvi() && g.ownsLink(host)).findFirst();
    }

    private static DialTemplate template(String provider, String direct, String ivr, String defaultDomain) {
        return new DialTemplate(provider, Optional.ofNullable(direct), Optional.ofNullable(ivr),
                Optional.ofNullable(defaultDomain));
    }
}
