package io.roomwire.agent.call;

import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.dialplan.DialTemplate;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.dialplan.GatewayProfiles;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The interop providers' profiles as the configuration leaves them: {@code gateway.<provider>.*}
 * overrides a field of a built-in provider ({@code teams-cisco}, {@code teams-poly}, {@code teams-pexip},
 * {@code teams-cvi}, {@code webex}, {@code zoom}, {@code sip}) or, under a new name, adds a provider.
 * The invitation parser and the dial both read {@link #profiles(Config)}: one set, one source.
 */
public final class GatewaySettings {

    /** The prefix of every key here. */
    public static final String PREFIX = "gateway.";

    private static final String DNS_NAME = "[a-z0-9]([a-z0-9-]{0,62})(\\.[a-z0-9]([a-z0-9-]{0,62}))*";

    /** Host names: a comma-separated list of DNS names (their sub-domains belong to them too). */
    static final SettingType<List<String>> HOSTS = SettingType.listOf(h -> {
        String d = h.toLowerCase(Locale.ROOT);
        if (!d.matches(DNS_NAME) || !d.contains(".")) {
            throw new IllegalArgumentException("expected DNS names such as vc.example.com, got '" + h + "'");
        }
        return d;
    }, false, "comma-separated DNS names");

    /** Audio codec names as in SDP, checked against what the room can send. */
    static final SettingType<List<String>> AUDIO_CODECS = SettingType.listOf(c -> new GatewayProfile.Media(
            Optional.empty(), Optional.empty(), List.of(c), true).audioCodecs().get(0), true,
            "comma-separated list of opus, G722, PCMU, PCMA (offer order)");

    /** A direct-dial template: a sip:/sips: URI with {id} (validated by {@link DialTemplate}). */
    public static final SettingType<String> DIRECT_TEMPLATE = template(true);
    /** An IVR template: a sip:/sips: URI without {id} (the id is keyed in as DTMF). */
    public static final SettingType<String> IVR_TEMPLATE = template(false);

    private static SettingType<String> template(boolean direct) {
        return new SettingType<>() {
            @Override
            public String parse(String text) {
                String t = text.trim();
                if (t.indexOf('@') <= 0 || t.chars().anyMatch(Character::isWhitespace)) {
                    throw new IllegalArgumentException("expected a SIP URI template such as "
                            + (direct ? "sips:{id}@{domain}" : "sips:{tenant}@{domain}") + ", got '" + text + "'");
                }
                new DialTemplate("check", direct ? Optional.of(t) : Optional.empty(),
                        direct ? Optional.empty() : Optional.of(t), Optional.empty());
                return t;
            }

            @Override
            public String describe() {
                return "sip:/sips: URI template with {tenant}, " + (direct ? "{id}, " : "") + "{domain}";
            }
        };
    }

    public static final Setting<String> NAME = Setting.family("gateway.<provider>.name", SettingType.STRING,
            "Interop provider profiles (docs/obtp.md). <provider> is a built-in name to override a field of it "
                    + "(teams-cisco, teams-poly, teams-pexip, teams-cvi, webex, zoom, sip) or a new name (lower-case "
                    + "letters, digits, '-') to add a provider. This key: what people call it (logs, obtp explain); "
                    + "a new provider defaults to its key name").live();
    public static final Setting<List<String>> DOMAINS = Setting.family("gateway.<provider>.domains", HOSTS,
            "Provider: gateway hosts whose SIP addresses belong to it (sub-domains too), e.g. vc.example.com; "
                    + "replaces a built-in provider's list. A new provider needs this or link-hosts").live();
    public static final Setting<List<String>> LINK_HOSTS = Setting.family("gateway.<provider>.link-hosts", HOSTS,
            "Provider: hosts of join or instruction links that name it when the address does not (a CVI "
                    + "provider's instructions page)").live();
    public static final Setting<String> DIRECT = Setting.family("gateway.<provider>.direct-template",
            DIRECT_TEMPLATE, "Provider: direct dial URI template ({tenant}, {id}, {domain}), e.g. sips:{id}@{domain}; "
                    + "an address in an invitation on its domains is dialled through it with the address's user part as "
                    + "{id}. A new provider needs this or ivr-template").live();
    public static final Setting<String> IVR = Setting.family("gateway.<provider>.ivr-template", IVR_TEMPLATE,
            "Provider: IVR URI template without {id} (the meeting id and # are keyed in as DTMF)").live();
    public static final Setting<String> DEFAULT_DOMAIN = Setting.family("gateway.<provider>.default-domain",
            SettingType.matching(DNS_NAME, "a DNS name such as vc.example.com"),
            "Provider: the {domain} of its templates when the invitation names none").live();
    public static final Setting<Boolean> CVI = Setting.family("gateway.<provider>.cvi", SettingType.BOOLEAN,
            "Provider: a Teams CVI gateway (its meetings are dialled from the invitation's tenant key and video "
                    + "id with its templates); false for a new provider unless set").live();
    public static final Setting<Duration> DTMF_DELAY = Setting.family("gateway.<provider>.dtmf.delay",
            SettingType.duration(Duration.ZERO, Duration.ofSeconds(60)),
            "Provider: wait after the call connects before keying in its IVR's digits (else sip.dtmf-delay)").live();
    public static final Setting<Duration> DTMF_GAP = Setting.family("gateway.<provider>.dtmf.gap",
            SettingType.duration(Duration.ZERO, Duration.ofSeconds(5)),
            "Provider: silence between its IVR's digits (else sip.dtmf-gap)").live();
    public static final Setting<String> TRANSPORT = Setting.family("gateway.<provider>.transport",
            SettingType.oneOf("any", "udp", "tcp", "tls"),
            "Provider: the least SIP transport its gateway takes (tls > tcp > udp); a room whose sip.transport is "
                    + "weaker fails such a call at once, saying which key to change. any: no requirement").live();
    public static final Setting<String> SRTP = Setting.family("gateway.<provider>.srtp",
            SettingType.oneOf("required", "best-effort"),
            "Provider: SRTP policy of its calls instead of sip.srtp (best-effort accepts a plain RTP answer)").live();
    public static final Setting<List<String>> AUDIO = Setting.family("gateway.<provider>.audio-codecs", AUDIO_CODECS,
            "Provider: the audio codecs offered to it, in this order (else all the room has)").live();
    public static final Setting<Boolean> VIDEO = Setting.family("gateway.<provider>.video", SettingType.BOOLEAN,
            "Provider: offer video (false: audio-only calls)").live();

    private GatewaySettings() {
    }

    /**
     * The profiles in force in a running agent: the SIP join path reads them at each dial, and each
     * applied configuration ({@code config.set}, a reload) replaces them, so the next call follows it.
     */
    public static final class Live implements java.util.function.Supplier<GatewayProfiles>,
            java.util.function.Consumer<Config> {
        private volatile GatewayProfiles current;

        public Live(Config config) {
            current = profiles(config);
        }

        @Override
        public GatewayProfiles get() {
            return current;
        }

        @Override
        public void accept(Config applied) {
            current = profiles(applied);
        }
    }

    /** The built-in providers with every {@code gateway.<provider>.*} key of {@code config} applied. */
    public static GatewayProfiles profiles(Config config) {
        GatewayProfiles out = GatewayProfiles.standard();
        for (String p : config.members(PREFIX)) {
            out = out.with(profile(config, p, out.byProvider(p)));
        }
        return out;
    }

    /** Checks each configured provider: a new one needs hosts and a template; every profile must build. */
    public static void check(Config config, BiConsumer<String, String> problem) {
        for (String p : config.members(PREFIX)) {
            Optional<GatewayProfile> builtIn = GatewayProfiles.standard().byProvider(p);
            if (builtIn.isEmpty()) {
                if (config.find(DOMAINS.member(p)).orElse(List.of()).isEmpty()
                        && config.find(LINK_HOSTS.member(p)).orElse(List.of()).isEmpty()) {
                    problem.accept(firstKey(config, p), "the new provider " + p + " needs " + DOMAINS.member(p).key()
                            + " (its gateway hosts) so that an invitation or an address can name it");
                    continue;
                }
                if (config.find(DIRECT.member(p)).isEmpty() && config.find(IVR.member(p)).isEmpty()) {
                    problem.accept(firstKey(config, p), "the new provider " + p + " needs " + DIRECT.member(p).key()
                            + " or " + IVR.member(p).key());
                    continue;
                }
            }
            try {
                profile(config, p, builtIn);
            } catch (IllegalArgumentException e) {
                problem.accept(firstKey(config, p), e.getMessage());
            }
        }
    }

    private static String firstKey(Config config, String provider) {
        for (Setting<?> s : List.of(DOMAINS, LINK_HOSTS, DIRECT, IVR, NAME, DEFAULT_DOMAIN, CVI, DTMF_DELAY, DTMF_GAP,
                TRANSPORT, SRTP, AUDIO, VIDEO)) {
            if (config.find(s.member(provider)).isPresent()) {
                return s.member(provider).key();
            }
        }
        return PREFIX + provider;
    }

    private static GatewayProfile profile(Config c, String p, Optional<GatewayProfile> builtIn) {
        Optional<GatewayProfile> b = builtIn;
        Optional<DialTemplate> t = b.map(GatewayProfile::template);
        Optional<String> direct = c.find(DIRECT.member(p)).or(() -> t.flatMap(DialTemplate::direct));
        Optional<String> ivr = c.find(IVR.member(p)).or(() -> t.flatMap(DialTemplate::ivr));
        Optional<String> domain = c.find(DEFAULT_DOMAIN.member(p)).or(() -> t.flatMap(DialTemplate::defaultDomain));
        Optional<Duration> delay = c.find(DTMF_DELAY.member(p));
        Optional<Duration> gap = c.find(DTMF_GAP.member(p));
        Optional<GatewayProfile.DtmfTiming> dtmf = b.flatMap(GatewayProfile::dtmf);
        if (delay.isPresent() || gap.isPresent()) {
            dtmf = Optional.of(new GatewayProfile.DtmfTiming(
                    delay.or(() -> b.flatMap(GatewayProfile::dtmf).map(GatewayProfile.DtmfTiming::initialDelay))
                            .orElse(c.get(SipAgentSettings.DTMF_DELAY)),
                    gap.or(() -> b.flatMap(GatewayProfile::dtmf).map(GatewayProfile.DtmfTiming::interDigitGap))
                            .orElse(c.get(SipAgentSettings.DTMF_GAP))));
        }
        GatewayProfile.Media m = b.map(GatewayProfile::media).orElse(GatewayProfile.Media.DEFAULT);
        Optional<SipTransport> transport = c.find(TRANSPORT.member(p))
                .map(v -> "any".equals(v) ? Optional.<SipTransport>empty() : Optional.of(SipTransport.parse(v)))
                .orElse(m.transport());
        Optional<SrtpPolicy> srtp = c.find(SRTP.member(p))
                .map(v -> v.equals("required") ? SrtpPolicy.REQUIRED : SrtpPolicy.BEST_EFFORT).or(m::srtp);
        GatewayProfile.Media media = new GatewayProfile.Media(transport, srtp,
                c.find(AUDIO.member(p)).orElse(m.audioCodecs()), c.find(VIDEO.member(p)).orElse(m.video()));
        return new GatewayProfile(p, c.find(NAME.member(p)).or(() -> b.map(GatewayProfile::name)).orElse(p),
                c.find(DOMAINS.member(p)).orElseGet(() -> b.map(GatewayProfile::domains).orElse(List.of())),
                c.find(LINK_HOSTS.member(p)).orElseGet(() -> b.map(GatewayProfile::linkHosts).orElse(List.of())),
                new DialTemplate(p, direct, ivr, domain),
                c.find(CVI.member(p)).orElseGet(() -> b.map(GatewayProfile::cvi).orElse(false)), dtmf, media);
    }
}
