package io.roomwire.sip.dialplan;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The interop providers Roomwire dials, each described once. Templates use {@code {tenant}},
 * {@code {id}} and {@code {domain}}; an IVR template has no {@code {id}} (the id is keyed in by DTMF,
 * RFC 4733, after {@code sip.dtmf-delay}). {@link #standard()} holds the seven built-in providers; the
 * agent overrides them and adds its own with the {@code gateway.<provider>.*} keys (docs/obtp.md), and
 * both the invitation parser and the dial read the one resulting set.
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

    private static final GatewayProfiles STANDARD = new GatewayProfiles(List.of(CISCO_VIMT, POLY_REALCONNECT, PEXIP,
            MICROSOFT_CVI, WEBEX, ZOOM, PLAIN_SIP));

    private final List<GatewayProfile> all;

    /** These profiles, in this order (it breaks ties between equally specific domains); names must differ. */
    public GatewayProfiles(List<GatewayProfile> profiles) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (GatewayProfile g : profiles) {
            if (!names.add(g.provider())) {
                throw new IllegalArgumentException("gateway profile " + g.provider() + " given twice");
            }
        }
        this.all = List.copyOf(profiles);
    }

    /** The seven built-in providers, Teams CVI gateways first. */
    public static GatewayProfiles standard() {
        return STANDARD;
    }

    /** Every provider, in order. */
    public List<GatewayProfile> all() {
        return all;
    }

    /** These profiles with {@code p} in place of the one of the same name, or added before plain SIP. */
    public GatewayProfiles with(GatewayProfile p) {
        List<GatewayProfile> out = new java.util.ArrayList<>(all);
        int at = indexOf(p.provider());
        if (at >= 0) {
            out.set(at, p);
        } else {
            int plain = indexOf(PLAIN_SIP.provider());
            out.add(plain < 0 ? out.size() : plain, p);
        }
        return new GatewayProfiles(out);
    }

    private int indexOf(String provider) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).provider().equals(provider)) {
                return i;
            }
        }
        return -1;
    }

    /** The profile named {@code provider} ({@code teams-cisco}, {@code zoom}, ...). */
    public Optional<GatewayProfile> byProvider(String provider) {
        String p = provider.toLowerCase(Locale.ROOT);
        return all.stream().filter(g -> g.provider().equals(p)).findFirst();
    }

    /** The provider whose gateway {@code host} is, the most specific domain winning (m.webex.com over webex.com). */
    public Optional<GatewayProfile> forHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return all.stream().filter(g -> g.ownsHost(h))
                .max(Comparator.comparingInt(g -> GatewayProfile.longestMatch(h, g.domains())));
    }

    /** The CVI provider a join or instructions link on {@code host} names, if any. */
    public Optional<GatewayProfile> forLink(String host) {
        return all.stream().filter(g -> g.cvi() && g.ownsLink(host)).findFirst();
    }

    /**
     * The profile a call goes through: the provider its target names, else (plain SIP, or a name no
     * profile has, e.g. a typed-in address) the provider whose gateway {@code host} is, else plain SIP.
     */
    public GatewayProfile forCall(String provider, String host) {
        Optional<GatewayProfile> named = PLAIN_SIP.provider().equalsIgnoreCase(provider) ? Optional.empty()
                : byProvider(provider);
        return named.or(() -> forHost(host)).or(() -> byProvider(PLAIN_SIP.provider())).orElse(PLAIN_SIP);
    }

    private static DialTemplate template(String provider, String direct, String ivr, String defaultDomain) {
        return new DialTemplate(provider, Optional.ofNullable(direct), Optional.ofNullable(ivr),
                Optional.ofNullable(defaultDomain));
    }
}
