package io.roomwire.agent.obtp;

import io.roomwire.agent.call.GatewaySettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import io.roomwire.sip.dialplan.DialPlan;
import io.roomwire.sip.dialplan.DialTemplate;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.dialplan.GatewayProfiles;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One-Button-To-Push settings: the static {@link Setting} constants are the documented config
 * keys ({@code obtp.*}); an instance is the validated values the parser and the button schedule
 * use ({@link #from(Config)}, {@link #defaults()}, or the withers in tests).
 */
public final class ObtpSettings {

    /** A CVI (Cloud Video Interop) gateway operator for Teams meetings. */
    public enum CviProvider {
        CISCO("teams-cisco"), POLY("teams-poly"), PEXIP("teams-pexip"), GENERIC("teams-cvi");

        private final String wireName;

        CviProvider(String wireName) {
            this.wireName = wireName;
        }

        /** The provider name a {@code JoinTarget} carries: {@code teams-cisco}, {@code teams-poly} ... */
        public String wireName() {
            return wireName;
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The ways to join, in the order of {@code obtp.preference}. */
    public enum JoinMethod { DIRECT, IVR, WEBRTC }

    /** Dial templates of one CVI provider in {@link DialTemplate} syntax ({tenant}, {id}, {domain}). */
    public record CviTemplates(String direct, String ivr) { }

    /** A direct-dial template: a sip:/sips: URI with {id} (validated by {@link DialTemplate}). */
    static final SettingType<String> DIRECT_TEMPLATE = GatewaySettings.DIRECT_TEMPLATE;
    /** An IVR template: a sip:/sips: URI without {id} (the id is keyed in as DTMF). */
    static final SettingType<String> IVR_TEMPLATE = GatewaySettings.IVR_TEMPLATE;

    static final SettingType<List<String>> PREFERENCE = new SettingType<>() {
        @Override
        public List<String> parse(String text) {
            List<String> out = new ArrayList<>();
            for (String s : SettingType.LIST.parse(text)) {
                String m = s.toLowerCase(Locale.ROOT);
                if (!List.of("direct", "ivr", "webrtc").contains(m)) {
                    throw new IllegalArgumentException("expected a list of direct, ivr, webrtc, got '" + s + "'");
                }
                if (out.contains(m)) {
                    throw new IllegalArgumentException("'" + m + "' is listed twice");
                }
                out.add(m);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("name at least one of direct, ivr, webrtc");
            }
            return List.copyOf(out);
        }

        @Override
        public String format(List<String> v) {
            return String.join(",", v);
        }

        @Override
        public String describe() {
            return "ordered list of direct, ivr, webrtc";
        }
    };

    public static final Setting<Duration> PREROLL = Setting.of("obtp.preroll", SettingType.DURATION, "5m",
            "How long before a meeting starts its Join button appears").live();

    public static final Setting<Duration> GRACE = Setting.of("obtp.grace", SettingType.DURATION, "0s",
            "How long after a meeting ends its Join button stays").live();

    public static final Setting<Boolean> SHOW_TENTATIVE = Setting.of("obtp.show-tentative", SettingType.BOOLEAN, "true",
            "Show Join buttons for meetings the room accepted only tentatively").live();

    public static final Setting<String> CVI_PROVIDER = Setting.of("obtp.cvi-provider",
            SettingType.oneOf("auto", "cisco", "poly", "pexip", "generic"), "auto",
            "The tenant's Teams CVI provider; auto recognises it from each invitation "
                    + "(m.webex.com: cisco, t.plcm.vc: poly, pexip.me instructions: pexip, else generic)").live();

    public static final Setting<String> CVI_DOMAIN = Setting.optional("obtp.cvi-domain",
            SettingType.matching("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+",
                    "a DNS domain such as vc.contoso.com"),
            "The tenant's CVI gateway domain (Pexip or generic provider), e.g. vc.contoso.com; invitations whose "
                    + "video-device address is in this domain are dialled with obtp.cvi-provider's templates").live();

    public static final Setting<String> CVI_TENANT_KEY = Setting.optional("obtp.cvi-tenant-key",
            SettingType.matching("[A-Za-z0-9._+-]{1,64}(@[A-Za-z0-9.-]{1,253})?", "a tenant key such as 823979477 or teams@vc.contoso.com"),
            "The tenant's CVI tenant key, used when an invitation has a Video ID but no tenant key address").live();

    public static final Setting<String> CISCO_DIRECT = Setting.of("obtp.template.cisco.direct", DIRECT_TEMPLATE,
            direct(GatewayProfiles.CISCO_VIMT), "Cisco Webex CVI: direct dial URI (Video ID first); the older name of "
                    + "gateway.teams-cisco.direct-template (set one of them)").live();
    public static final Setting<String> CISCO_IVR = Setting.of("obtp.template.cisco.ivr", IVR_TEMPLATE,
            ivr(GatewayProfiles.CISCO_VIMT), "Cisco Webex CVI: IVR URI; the Video ID and # are sent as DTMF; the older "
                    + "name of gateway.teams-cisco.ivr-template").live();
    public static final Setting<String> POLY_DIRECT = Setting.of("obtp.template.poly.direct", DIRECT_TEMPLATE,
            direct(GatewayProfiles.POLY_REALCONNECT), "Poly RealConnect: direct dial URI (tenant key first); the older name of "
                    + "gateway.teams-poly.direct-template").live();
    public static final Setting<String> POLY_IVR = Setting.of("obtp.template.poly.ivr", IVR_TEMPLATE,
            ivr(GatewayProfiles.POLY_REALCONNECT), "Poly RealConnect: IVR URI; the conference ID and # are sent as DTMF; the "
                    + "older name of gateway.teams-poly.ivr-template").live();
    public static final Setting<String> PEXIP_DIRECT = Setting.of("obtp.template.pexip.direct", DIRECT_TEMPLATE,
            direct(GatewayProfiles.PEXIP), "Pexip CVI: direct dial URI; the older name of "
                    + "gateway.teams-pexip.direct-template").live();
    public static final Setting<String> PEXIP_IVR = Setting.of("obtp.template.pexip.ivr", IVR_TEMPLATE,
            ivr(GatewayProfiles.PEXIP), "Pexip CVI: IVR URI (the invitation's teams@<domain>); the conference ID "
                    + "and # are sent as DTMF; the older name of gateway.teams-pexip.ivr-template").live();
    public static final Setting<String> GENERIC_DIRECT = Setting.of("obtp.template.generic.direct", DIRECT_TEMPLATE,
            direct(GatewayProfiles.MICROSOFT_CVI), "Other CVI providers: direct dial URI; the older name of "
                    + "gateway.teams-cvi.direct-template").live();
    public static final Setting<String> GENERIC_IVR = Setting.of("obtp.template.generic.ivr", IVR_TEMPLATE,
            ivr(GatewayProfiles.MICROSOFT_CVI), "Other CVI providers: IVR URI; the conference ID and # are sent as DTMF; "
                    + "the older name of gateway.teams-cvi.ivr-template").live();

    public static final Setting<Boolean> CVI_SIPS = Setting.of("obtp.cvi-sips", SettingType.BOOLEAN, "true",
            "Dial CVI gateways with the templates' sips: URIs (TLS); false turns them into sip: and leaves the "
                    + "transport to sip.transport").live();

    public static final Setting<List<String>> PREFERENCE_ORDER = Setting.of("obtp.preference", PREFERENCE,
            "direct,ivr,webrtc", "Join methods in order of preference; a method left out is never offered "
                    + "(direct: SIP address with the meeting id, ivr: gateway IVR + DTMF, webrtc: the Teams join link)").live();

    public static final Setting<Integer> MAX_BODY_CHARS = Setting.of("obtp.max-body-chars",
            SettingType.integer(1024, 10 * 1024 * 1024), String.valueOf(10 * 1024 * 1024),
            "Invitation bodies longer than this are read only up to this many characters").live();

    private final Duration preroll;
    private final Duration grace;
    private final boolean showTentative;
    private final Optional<CviProvider> cviProvider;
    private final Optional<String> cviDomain;
    private final Optional<String> cviTenantKey;
    private final Map<CviProvider, CviTemplates> templates;
    private final GatewayProfiles gateways;
    private final boolean cviSips;
    private final DialPlan dialPlan;
    private final List<JoinMethod> preference;
    private final int maxBodyChars;
    private Optional<String> webrtcUnavailable = Optional.empty();

    private ObtpSettings(Duration preroll, Duration grace, boolean showTentative, Optional<CviProvider> cviProvider,
                         Optional<String> cviDomain, Optional<String> cviTenantKey,
                         Map<CviProvider, CviTemplates> templates, GatewayProfiles gateways, boolean cviSips,
                         List<JoinMethod> preference, int maxBodyChars) {
        if (preroll.isNegative() || grace.isNegative()) {
            throw new IllegalArgumentException("obtp.preroll and obtp.grace must not be negative");
        }
        this.preroll = preroll;
        this.grace = grace;
        this.showTentative = showTentative;
        this.cviProvider = cviProvider;
        this.cviDomain = cviDomain.map(d -> d.toLowerCase(Locale.ROOT));
        this.cviTenantKey = cviTenantKey;
        this.templates = Map.copyOf(templates);
        this.gateways = gateways;
        this.cviSips = cviSips;
        DialPlan.Builder b = DialPlan.builder().secure(cviSips);
        for (GatewayProfile g : gateways.all()) {
            if (g.cvi()) {
                b.template(g.template()); // a CVI provider the configuration added (gateway.<provider>.cvi=true) too
            }
        }
        for (CviProvider p : CviProvider.values()) {
            CviTemplates t = this.templates.get(p);
            b.template(p.wireName(), t.direct(), t.ivr(), null);
        }
        this.dialPlan = b.build();
        this.preference = List.copyOf(preference);
        this.maxBodyChars = maxBodyChars;
    }

    /** The values of every {@code obtp.*} key in {@code config}, and the gateway profiles it leaves. */
    public static ObtpSettings from(Config config) {
        GatewayProfiles g = GatewaySettings.profiles(config);
        Map<CviProvider, CviTemplates> t = new EnumMap<>(CviProvider.class);
        t.put(CviProvider.CISCO, templates(config, g, CviProvider.CISCO, CISCO_DIRECT, CISCO_IVR));
        t.put(CviProvider.POLY, templates(config, g, CviProvider.POLY, POLY_DIRECT, POLY_IVR));
        t.put(CviProvider.PEXIP, templates(config, g, CviProvider.PEXIP, PEXIP_DIRECT, PEXIP_IVR));
        t.put(CviProvider.GENERIC, templates(config, g, CviProvider.GENERIC, GENERIC_DIRECT, GENERIC_IVR));
        return new ObtpSettings(config.get(PREROLL), config.get(GRACE), config.get(SHOW_TENTATIVE),
                provider(config.get(CVI_PROVIDER)), config.find(CVI_DOMAIN), config.find(CVI_TENANT_KEY), t, g,
                config.get(CVI_SIPS), methods(config.get(PREFERENCE_ORDER)), config.get(MAX_BODY_CHARS));
    }

    /** A CVI provider's templates: its obtp.template.* keys where given, else its (maybe overridden) profile's. */
    private static CviTemplates templates(Config c, GatewayProfiles g, CviProvider p, Setting<String> direct,
                                          Setting<String> ivr) {
        DialTemplate profile = g.byProvider(p.wireName()).orElseThrow().template();
        return new CviTemplates(c.given(direct) ? c.get(direct) : profile.direct().orElse(c.get(direct)),
                c.given(ivr) ? c.get(ivr) : profile.ivr().orElse(c.get(ivr)));
    }

    /** An obtp.template.* key and the gateway.* key it is the older name of are not both set. */
    public static void check(Config config, java.util.function.BiConsumer<String, String> problem) {
        for (Setting<String> old : List.of(CISCO_DIRECT, CISCO_IVR, POLY_DIRECT, POLY_IVR, PEXIP_DIRECT, PEXIP_IVR,
                GENERIC_DIRECT, GENERIC_IVR)) {
            String cvi = old.key().split("\\.")[2];
            String provider = CviProvider.valueOf(cvi.toUpperCase(Locale.ROOT)).wireName();
            Setting<String> now = (old.key().endsWith(".direct") ? GatewaySettings.DIRECT : GatewaySettings.IVR)
                    .member(provider);
            if (config.given(old) && config.find(now).isPresent()) {
                problem.accept(old.key(), "set one of " + old.key() + " and " + now.key() + " (the older name of it)");
            }
        }
    }

    /**
     * The settings the room runs with: {@link #from} without the webrtc method when no WebRTC
     * gateway is configured, so such meetings get no button and {@code obtp explain} says why.
     */
    public static ObtpSettings forRoom(Config config) {
        return io.roomwire.agent.call.WebRtcAgentSettings.from(config).isPresent() ? from(config)
                : from(config).withoutWebRtc("no WebRTC gateway is configured, so the room cannot join it");
    }

    /** Every key at its default. */
    public static ObtpSettings defaults() {
        GatewayProfiles g = GatewayProfiles.standard();
        Map<CviProvider, CviTemplates> t = new EnumMap<>(CviProvider.class);
        for (CviProvider p : CviProvider.values()) {
            DialTemplate d = g.byProvider(p.wireName()).orElseThrow().template();
            t.put(p, new CviTemplates(d.direct().orElseThrow(), d.ivr().orElseThrow()));
        }
        return new ObtpSettings(dflt(PREROLL), dflt(GRACE), dflt(SHOW_TENTATIVE), Optional.empty(), Optional.empty(),
                Optional.empty(), t, g, dflt(CVI_SIPS), methods(dflt(PREFERENCE_ORDER)), dflt(MAX_BODY_CHARS));
    }

    private static <T> T dflt(Setting<T> s) {
        return s.defaultValue().orElseThrow();
    }

    private static Optional<CviProvider> provider(String s) {
        return "auto".equals(s) ? Optional.empty() : Optional.of(CviProvider.valueOf(s.toUpperCase(Locale.ROOT)));
    }

    private static List<JoinMethod> methods(List<String> names) {
        return names.stream().map(n -> JoinMethod.valueOf(n.toUpperCase(Locale.ROOT))).toList();
    }

    public Duration preroll() {
        return preroll;
    }

    public Duration grace() {
        return grace;
    }

    public boolean showTentative() {
        return showTentative;
    }

    /** The configured CVI provider; empty for {@code auto}. */
    public Optional<CviProvider> cviProvider() {
        return cviProvider;
    }

    public Optional<String> cviDomain() {
        return cviDomain;
    }

    public Optional<String> cviTenantKey() {
        return cviTenantKey;
    }

    public CviTemplates templates(CviProvider p) {
        return templates.get(p);
    }

    /** Every provider's profile (the built-in ones with the gateway.* keys applied): what the parser recognises. */
    public GatewayProfiles gateways() {
        return gateways;
    }

    /** CVI URIs keep the templates' sips: scheme. */
    public boolean cviSips() {
        return cviSips;
    }

    /** The sip-bridge dial plan for these templates (generic provider: {@code teams-cvi}). */
    public DialPlan dialPlan() {
        return dialPlan;
    }

    /**
     * These settings without the webrtc join method, because the room cannot join that way
     * ({@code why}, e.g. no WebRTC gateway); {@code obtp explain} reports the reason.
     */
    public ObtpSettings withoutWebRtc(String why) {
        ObtpSettings s = new ObtpSettings(preroll, grace, showTentative, cviProvider, cviDomain, cviTenantKey, templates,
                gateways, cviSips, preference.stream().filter(m -> m != JoinMethod.WEBRTC).toList(), maxBodyChars);
        s.webrtcUnavailable = Optional.of(why);
        return s;
    }

    /** Why webrtc targets are not offered although obtp.preference names them, when that is so. */
    public Optional<String> webrtcUnavailable() {
        return webrtcUnavailable;
    }

    public List<JoinMethod> preference() {
        return preference;
    }

    public int maxBodyChars() {
        return maxBodyChars;
    }

    public ObtpSettings withPreroll(Duration d) {
        return new ObtpSettings(d, grace, showTentative, cviProvider, cviDomain, cviTenantKey, templates, gateways, cviSips,
                preference, maxBodyChars);
    }

    public ObtpSettings withGrace(Duration d) {
        return new ObtpSettings(preroll, d, showTentative, cviProvider, cviDomain, cviTenantKey, templates, gateways, cviSips,
                preference, maxBodyChars);
    }

    public ObtpSettings withShowTentative(boolean b) {
        return new ObtpSettings(preroll, grace, b, cviProvider, cviDomain, cviTenantKey, templates, gateways, cviSips,
                preference, maxBodyChars);
    }

    public ObtpSettings withCvi(Optional<CviProvider> provider, Optional<String> domain, Optional<String> tenantKey) {
        return new ObtpSettings(preroll, grace, showTentative, provider, domain, tenantKey, templates, gateways, cviSips,
                preference, maxBodyChars);
    }

    public ObtpSettings withPreference(List<JoinMethod> order) {
        return new ObtpSettings(preroll, grace, showTentative, cviProvider, cviDomain, cviTenantKey, templates,
                gateways, cviSips, order, maxBodyChars);
    }

    public ObtpSettings withMaxBodyChars(int n) {
        return new ObtpSettings(preroll, grace, showTentative, cviProvider, cviDomain, cviTenantKey, templates,
                gateways, cviSips, preference, n);
    }

    /** Defaults come from the sip-bridge's gateway profiles: one source of truth for the templates. */
    private static String direct(GatewayProfile g) {
        return g.template().direct().orElseThrow();
    }

    private static String ivr(GatewayProfile g) {
        return g.template().ivr().orElseThrow();
    }
}
