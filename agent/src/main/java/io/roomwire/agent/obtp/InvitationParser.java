package io.roomwire.agent.obtp;

import io.roomwire.agent.obtp.ObtpSettings.CviProvider;
import io.roomwire.agent.obtp.ObtpSettings.JoinMethod;
import io.roomwire.agent.obtp.internal.HtmlText;
import io.roomwire.agent.obtp.internal.Hosts;
import io.roomwire.agent.obtp.internal.WebLink;
import io.roomwire.sip.JoinTarget;
import io.roomwire.sip.dialplan.GatewayProfile;
import io.roomwire.sip.dialplan.GatewayProfiles;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a {@link MeetingInvite} into {@link JoinTarget}s. Sources in order: Graph's structured
 * fields ({@code onlineMeeting.joinUrl}), {@code location}/{@code locations}, then the body (text
 * and links read by {@link HtmlText}; SafeLinks unwrapped). Recognises Teams CVI sections (Cisco,
 * Poly, Pexip, generic; every wording), Webex, Zoom, plain {@code sip:}/{@code sips:} URIs and the
 * Teams join link. Pure and thread-safe; nothing is ever fetched.
 */
public final class InvitationParser {

    public static final String SOURCE_JOIN_URL = "onlineMeeting.joinUrl";
    public static final String SOURCE_LOCATION = "location";
    public static final String SOURCE_BODY = "body";

    private static final int MAX_CANDIDATES = 200;
    private static final int CVI_WINDOW = 1500;
    private static final String[] ID_LABELS = {"video conference id", "vtc conference id", "video id",
        "conference id"};

    private final ObtpSettings settings;

    public InvitationParser(ObtpSettings settings) {
        this.settings = settings;
    }

    public ParsedInvitation parse(MeetingInvite m) {
        HtmlText.Result body = "html".equals(m.bodyType())
                ? HtmlText.html(m.body(), settings.maxBodyChars())
                : HtmlText.plain(m.body(), settings.maxBodyChars());
        Run run = new Run(new Context(body.text(), asciiLower(body.text())));
        m.joinUrl().ifPresent(u -> run.link(u, SOURCE_JOIN_URL, 0, true));
        for (String loc : m.locations()) {
            HtmlText.Result r = HtmlText.plain(loc, 4096);
            run.scan(r, new Context(r.text(), asciiLower(r.text())), SOURCE_LOCATION, 1);
        }
        run.scan(body, run.body, SOURCE_BODY, 2);
        return run.result(body.text().isBlank() && body.links().isEmpty(), body.truncated());
    }

    private record Context(String text, String lower) { }

    private record Candidate(JoinTarget target, int rank, int seq) { }

    /** The state of one parse. */
    private final class Run {
        final Context body;
        final List<Candidate> found = new ArrayList<>();
        final Set<String> foundKeys = new HashSet<>();
        final List<ParsedInvitation.Rejection> rejected = new ArrayList<>();
        final Set<String> rejectedKeys = new HashSet<>();
        final java.util.Map<String, Hosts.Verdict> verdicts = new java.util.HashMap<>();
        final java.util.Map<String, Optional<GatewayProfile>> gateways = new java.util.HashMap<>();
        /** The built-in providers the link rules name, as the configuration leaves them: looked up once a parse. */
        final GatewayProfile zoom = profile(GatewayProfiles.ZOOM);
        final GatewayProfile webex = profile(GatewayProfiles.WEBEX);
        final GatewayProfile cisco = profile(GatewayProfiles.CISCO_VIMT);

        Run(Context body) {
            this.body = body;
        }

        /** Host checks are memoised per parse: a long thread repeats the same few hosts thousands of times. */
        Hosts.Verdict check(String host) {
            Hosts.Verdict v = verdicts.get(host);
            if (v == null) {
                v = Hosts.check(host);
                if (verdicts.size() < 10_000) {
                    verdicts.put(host, v);
                }
            }
            return v;
        }

        /** The provider whose gateway a host is, memoised per parse like the host checks. */
        Optional<GatewayProfile> gatewayOf(String host) {
            Optional<GatewayProfile> g = gateways.get(host);
            if (g == null) {
                g = settings.gateways().forHost(host);
                if (gateways.size() < 10_000) {
                    gateways.put(host, g);
                }
            }
            return g;
        }

        /** Distinct candidates only, so repeats in a long body never crowd out the rest. */
        void add(JoinTarget t, int rank) {
            if (found.size() < MAX_CANDIDATES
                    && foundKeys.add(t.kind() + "|" + t.uri().toLowerCase(java.util.Locale.ROOT) + "|" + t.dtmf().orElse(""))) {
                found.add(new Candidate(t, rank, found.size()));
            }
        }

        void reject(String what, String source, String why) {
            if (rejected.size() < 50 && rejectedKeys.add(what + "|" + why)) {
                rejected.add(new ParsedInvitation.Rejection(what, source, why));
            }
        }

        void scan(HtmlText.Result r, Context ctx, String source, int rank) {
            cvi(ctx, r.links(), source, rank);
            for (String l : r.links()) {
                link(l, source, rank, false);
            }
            for (String u : urlsInText(ctx)) {
                link(u, source, rank, false);
            }
            for (String s : sipInText(ctx)) {
                sipUri(s, source, rank);
            }
            addresses(ctx, source, rank);
        }

        /** An href, a URL in text, or a structured join URL. */
        void link(String raw, String source, int rank, boolean structured) {
            if (raw.strip().codePoints().anyMatch(InvitationParser::isHiddenOrControl)) {
                // a NUL, line break, bidi override or zero-width character hides what the room would open
                reject(abbreviate(raw), source, "control or invisible characters in a link");
                return;
            }
            String lower = raw.strip().toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("sip:") || lower.startsWith("sips:")) {
                sipUri(raw.strip(), source, rank);
                return;
            }
            Optional<WebLink> parsed = WebLink.parse(raw);
            if (parsed.isEmpty()) {
                if (structured) {
                    reject(abbreviate(raw), source, "not an http(s) or sip link");
                }
                return; // javascript:, mailto:, tel:, data: ... are never used
            }
            WebLink w = parsed.get();
            Hosts.Verdict v = check(w.rawHost());
            if (v instanceof Hosts.Verdict.Rejected no) {
                if (structured || no.why().startsWith("look-alike")) {
                    reject(abbreviate(w.url()), source, no.why());
                }
                return;
            }
            String host = ((Hosts.Verdict.Ok) v).host();
            if (isTeams(host)) {
                String p = w.path().toLowerCase(java.util.Locale.ROOT);
                if (p.startsWith("/l/meetup-join/") || p.startsWith("/meet/") || p.startsWith("/l/meet/")) {
                    add(new JoinTarget(JoinTarget.Kind.WEBRTC, w.url(), "teams", Optional.empty(), source), rank);
                } else if (structured) {
                    add(new JoinTarget(JoinTarget.Kind.URL, w.url(), "teams", Optional.empty(), source), rank);
                }
            } else if (zoom.ownsLink(host)) {
                zoom(w, host, source, rank);
            } else if (webex.ownsLink(host) && !cisco.ownsHost(host)) {
                webex(w, host, source, rank);
            } else if (structured) {
                add(new JoinTarget(JoinTarget.Kind.URL, w.url(), "unknown", Optional.empty(), source), rank);
            }
        }

        void zoom(WebLink w, String host, String source, int rank) {
            String[] seg = w.path().split("/");
            Optional<String> id = Optional.empty();
            for (int i = 1; i + 1 < seg.length; i++) {
                if (("j".equals(seg[i]) || "w".equals(seg[i]) || "s".equals(seg[i])) && seg[i + 1].matches("\\d{9,11}")) {
                    id = Optional.of(seg[i + 1]);
                    break;
                }
            }
            if (id.isPresent() && Hosts.isUnder(host, "zoom.us")) {
                Optional<String> pass = zoomPasscode(id.get());
                if (pass.isPresent()) {
                    add(zoomTarget(id.get() + "." + pass.get(), source), rank);
                }
                add(zoomTarget(id.get(), source), rank);
            } else if (id.isPresent() || w.path().startsWith("/my/")) {
                add(new JoinTarget(JoinTarget.Kind.URL, w.url(), zoom.provider(), Optional.empty(), source), rank);
            } // other zoom.us pages (support, download) are not meetings
        }

        JoinTarget zoomTarget(String id, String source) {
            return JoinTarget.sip(zoom.direct("", id, "").orElseThrow(), zoom.provider(), source);
        }

        JoinTarget webexTarget(String meeting, String siteHost, String source) {
            return JoinTarget.sip(webex.direct("", meeting, siteHost).orElseThrow(), webex.provider(), source);
        }

        /** A numeric passcode printed under "Meeting ID: <id>" in the body. */
        Optional<String> zoomPasscode(String id) {
            String lower = body.lower;
            int from = 0;
            for (int n = 0; n < 20; n++) {
                int at = lower.indexOf("meeting id", from);
                if (at < 0) {
                    return Optional.empty();
                }
                from = at + 10;
                String digits = digitsAfter(lower, from, 30, 24);
                if (id.equals(digits)) {
                    int end = Math.min(lower.length(), from + 200);
                    for (String label : new String[] {"passcode", "password"}) {
                        int p = lower.indexOf(label, from);
                        if (p >= 0 && p < end) {
                            String token = tokenAfter(lower, p + label.length());
                            if (token.matches("\\d{1,10}")) {
                                return Optional.of(token);
                            }
                        }
                    }
                    return Optional.empty();
                }
            }
            return Optional.empty();
        }

        void webex(WebLink w, String host, String source, int rank) {
            String[] labels = host.split("\\.");
            if (labels.length < 3 || "www".equals(labels[0]) || w.path().toLowerCase(java.util.Locale.ROOT).contains("msteams")) {
                return; // webex.com itself, help pages, the Teams-interop instructions page
            }
            String siteHost = labels[0] + ".webex.com";
            String[] seg = w.path().split("/");
            for (int i = 1; i + 1 < seg.length; i++) {
                if (("meet".equals(seg[i]) || "join".equals(seg[i])) && seg[i + 1].matches("[A-Za-z0-9._-]{1,64}")) {
                    add(webexTarget(seg[i + 1].toLowerCase(java.util.Locale.ROOT), siteHost, source), rank);
                    return;
                }
            }
            String path = w.path().toLowerCase(java.util.Locale.ROOT);
            if (!path.contains("j.php") && !path.contains("/wbxmjs/joinservice") && !path.contains("/webappng/sites/")) {
                return; // help pages, sign-in, downloads: not a meeting
            }
            Optional<String> number = labelled(body.lower, "meeting number", 9, 11)
                    .or(() -> labelled(body.lower, "access code", 9, 11));
            if (number.isPresent()) {
                add(webexTarget(number.get(), siteHost, source), rank);
            } else {
                add(new JoinTarget(JoinTarget.Kind.URL, w.url(), webex.provider(), Optional.empty(), source), rank);
            }
        }

        /** A sip: or sips: URI; parameters and headers are dropped. */
        void sipUri(String raw, String source, int rank) {
            int colon = raw.indexOf(':');
            String scheme = raw.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
            String rest = raw.substring(colon + 1);
            int cut = rest.length();
            for (char c : new char[] {';', '?', '>', ' '}) {
                int k = rest.indexOf(c);
                if (k >= 0 && k < cut) {
                    cut = k;
                }
            }
            rest = WebLink.percentDecode(rest.substring(0, cut).replace("+", "%2B"));
            int at = rest.lastIndexOf('@');
            if (at <= 0 || at == rest.length() - 1) {
                reject(abbreviate(raw), source, "a SIP URI needs user@host");
                return;
            }
            String user = rest.substring(0, at);
            String hostPort = rest.substring(at + 1);
            if (user.length() > 64 || !user.matches("[A-Za-z0-9._~+!$&'()*,=-]+")) {
                reject(abbreviate(raw), source, "characters not allowed in the user part of a SIP URI");
                return;
            }
            String port = "";
            int pc = hostPort.lastIndexOf(':');
            if (pc > 0 && hostPort.substring(pc + 1).matches("\\d{1,5}")) {
                port = hostPort.substring(pc);
                hostPort = hostPort.substring(0, pc);
            }
            Hosts.Verdict v = check(hostPort);
            if (v instanceof Hosts.Verdict.Rejected no) {
                reject(abbreviate(raw), source, no.why());
                return;
            }
            String host = ((Hosts.Verdict.Ok) v).host();
            String provider = providerOf(host);
            add(JoinTarget.sip(scheme + ":" + user + "@" + host + port, provider, source), rank);
        }

        /** Bare user@host addresses on the hosts of meeting services (e-mail addresses are ignored). */
        void addresses(Context ctx, String source, int rank) {
            String t = ctx.text;
            int at = t.indexOf('@');
            int count = 0;
            while (at >= 0 && count < 1000) {
                Optional<String[]> a = addressAt(t, at);
                int next = t.indexOf('@', at + 1);
                if (a.isPresent() && !precededBySip(ctx.lower, at - a.get()[0].length())) {
                    count++;
                    bareAddress(a.get()[0], a.get()[1], source, rank);
                }
                at = next;
            }
        }

        void bareAddress(String user, String rawHost, String source, int rank) {
            Hosts.Verdict v = check(rawHost);
            if (v instanceof Hosts.Verdict.Rejected no) {
                if (no.why().startsWith("look-alike")) {
                    reject(user + "@" + rawHost, source, no.why());
                }
                return;
            }
            String host = ((Hosts.Verdict.Ok) v).host();
            String u = user.toLowerCase(java.util.Locale.ROOT);
            Optional<GatewayProfile> g = gatewayOf(host);
            String provider = g.map(GatewayProfile::provider).orElse("");
            if (provider.equals(CviProvider.CISCO.wireName())) {
                if (u.matches("\\d{6,15}\\.[a-z0-9._-]+")) {
                    add(JoinTarget.sip("sip:" + u + "@" + host, CviProvider.CISCO.wireName(), source), rank);
                }
            } else if (provider.equals(CviProvider.POLY.wireName())) {
                if (u.matches("\\d{4,15}\\.\\d{6,15}")) {
                    add(JoinTarget.sip("sip:" + u + "@" + host, CviProvider.POLY.wireName(), source), rank);
                }
            } else if (provider.equals(GatewayProfiles.ZOOM.provider())) {
                if (u.matches("\\d{9,11}(\\.\\d{1,10})?")) {
                    add(JoinTarget.sip("sip:" + u + "@" + host, provider, source), rank);
                }
            } else if (provider.equals(GatewayProfiles.WEBEX.provider())) {
                String[] labels = host.split("\\.");
                if (labels.length == 3 && !"www".equals(labels[0]) && u.matches("[a-z0-9._-]{1,64}")) {
                    add(JoinTarget.sip("sip:" + u + "@" + host, provider, source), rank);
                }
            } else if (g.isPresent() && !g.get().cvi() && u.matches("[a-z0-9._-]{1,64}")) {
                // A provider of the configuration (gateway.<provider>.*): the address's user part is its {id}.
                g.get().direct("", u, host).ifPresent(uri -> add(JoinTarget.sip(uri, g.get().provider(), source), rank));
            }
        }

        /** The Teams "video conferencing device" section, in any of its wordings. */
        void cvi(Context ctx, List<String> links, String source, int rank) {
            String lower = ctx.lower;
            int start = lower.indexOf("video conferencing device");
            if (start < 0) {
                int first = Integer.MAX_VALUE;
                for (String l : new String[] {"video conference id", "vtc conference id", "video id", "tenant key"}) {
                    int k = lower.indexOf(l);
                    if (k >= 0) {
                        first = Math.min(first, k);
                    }
                }
                if (first == Integer.MAX_VALUE) {
                    gatewayAddressFallback(ctx, links, source, rank);
                    return;
                }
                start = Math.max(0, first - 300);
            }
            int end = Math.min(lower.length(), start + CVI_WINDOW);
            int idAt = -1;
            int idLen = 0;
            for (String l : ID_LABELS) {
                int k = start;
                while (true) {
                    k = lower.indexOf(l, k);
                    if (k < 0 || k >= end) {
                        break;
                    }
                    boolean phone = k >= 6 && lower.startsWith("phone ", k - 6);
                    if (!phone && (idAt < 0 || k < idAt)) {
                        idAt = k;
                        idLen = l.length();
                    }
                    if (!phone) {
                        break;
                    }
                    k += l.length();
                }
            }
            String videoId = idAt < 0 ? "" : digitsAfter(lower, idAt + idLen, 12, 30);
            // The tenant key address: after "Tenant key", else the first address between heading and ID.
            Optional<String[]> tenant = Optional.empty();
            int tk = lower.indexOf("tenant key", start);
            if (tk >= 0 && tk < end) {
                int p = tk + "tenant key".length();
                while (p < end && (lower.charAt(p) == ':' || Character.isWhitespace(lower.charAt(p)))) {
                    p++;
                }
                int q = p;
                while (q < end && q - p < 330 && !Character.isWhitespace(ctx.text.charAt(q))) {
                    q++;
                }
                String token = ctx.text.substring(p, q);
                int at = token.indexOf('@');
                if (at > 0) {
                    tenant = addressAt(token, at);
                } else if (token.matches("[A-Za-z0-9._-]{1,64}")) {
                    tenant = Optional.of(new String[] {token, ""});
                }
            }
            if (tenant.isEmpty()) {
                int limit = idAt < 0 ? end : idAt;
                int at = ctx.text.indexOf('@', start);
                if (at >= 0 && at < limit) {
                    tenant = addressAt(ctx.text, at);
                }
            }
            if (!videoId.matches("\\d{6,15}")) {
                if (tenant.isPresent() || idAt >= 0) {
                    reject(tenant.map(a -> a[0] + "@" + a[1]).orElse("video conferencing section"), source,
                            "video-device section without a usable Video ID");
                }
                return;
            }
            String key;
            String domain;
            if (tenant.isPresent() && !tenant.get()[1].isEmpty()) {
                Hosts.Verdict v = check(tenant.get()[1]);
                if (v instanceof Hosts.Verdict.Rejected no) {
                    reject(tenant.get()[0] + "@" + tenant.get()[1], source, no.why());
                    return;
                }
                key = tenant.get()[0];
                domain = ((Hosts.Verdict.Ok) v).host();
            } else {
                Optional<String> cfgKey = settings.cviTenantKey();
                key = tenant.map(a -> a[0]).or(() -> cfgKey.map(k -> k.contains("@") ? k.substring(0, k.indexOf('@')) : k))
                        .orElse("");
                domain = cfgKey.filter(k -> k.contains("@")).map(k -> k.substring(k.indexOf('@') + 1).toLowerCase(java.util.Locale.ROOT))
                        .or(settings::cviDomain).orElse("");
                if (key.isEmpty() || domain.isEmpty()) {
                    reject("Video ID " + videoId, source, "a Video ID but no tenant key address: set obtp.cvi-tenant-key "
                            + "and obtp.cvi-domain");
                    return;
                }
            }
            if (!key.matches("[A-Za-z0-9._+-]{1,64}")) {
                reject(key + "@" + domain, source, "the tenant key is not a valid SIP user part");
                return;
            }
            dialCvi(key, domain, videoId, links, source, rank);
        }

        /**
         * Invitations in other languages: a tenant address on a CVI gateway (m.webex.com, t.plcm.vc,
         * obtp.cvi-domain) followed closely by a 9 to 15 digit conference ID, whatever the labels say.
         */
        void gatewayAddressFallback(Context ctx, List<String> links, String source, int rank) {
            String t = ctx.text;
            int at = t.indexOf('@');
            for (int n = 0; at >= 0 && n < 200; n++, at = t.indexOf('@', at + 1)) {
                Optional<String[]> a = addressAt(t, at);
                if (a.isEmpty() || !a.get()[0].matches("[A-Za-z0-9_-]{1,64}")) {
                    continue; // "<id>.<tenant>" forms are direct dials, handled with the other addresses
                }
                if (!(check(a.get()[1]) instanceof Hosts.Verdict.Ok ok)) {
                    continue;
                }
                String host = ok.host();
                boolean gateway = gatewayOf(host).filter(GatewayProfile::cvi).isPresent()
                        || settings.cviDomain().filter(d -> Hosts.isUnder(host, d)).isPresent();
                String id = gateway ? digitsAfter(ctx.lower, at + 1 + a.get()[1].length(), 80, 30) : "";
                if (id.matches("\\d{9,15}")) {
                    dialCvi(a.get()[0], host, id, links, source, rank);
                    return;
                }
            }
        }

        void dialCvi(String key, String domain, String videoId, List<String> links, String source, int rank) {
            String p = cviProvider(domain, links);
            try {
                for (JoinTarget t : settings.dialPlan().targets(p, key, videoId, domain, source)) {
                    add(t, rank);
                }
            } catch (IllegalArgumentException e) {
                reject(key + "@" + domain + " / " + videoId, source, "cannot dial it: " + e.getMessage());
            }
        }

        /** The CVI provider whose templates dial a meeting on {@code domain}: its gateway's, the configured one, a link's. */
        String cviProvider(String domain, List<String> links) {
            Optional<GatewayProfile> gateway = gatewayOf(domain).filter(GatewayProfile::cvi);
            if (gateway.isPresent()) {
                return gateway.get().provider();
            }
            if (settings.cviDomain().filter(d -> Hosts.isUnder(domain, d)).isPresent()) {
                return settings.cviProvider().orElse(CviProvider.GENERIC).wireName();
            }
            for (String l : links) {
                Optional<GatewayProfile> named = WebLink.parse(l).flatMap(w -> Hosts.normalise(w.rawHost()))
                        .flatMap(settings.gateways()::forLink);
                if (named.isPresent()) {
                    return named.get().provider();
                }
            }
            return CviProvider.GENERIC.wireName();
        }

        /** A built-in provider's profile as the configuration leaves it (gateway.<provider>.* may change its hosts). */
        GatewayProfile profile(GatewayProfile builtIn) {
            return settings.gateways().byProvider(builtIn.provider()).orElse(builtIn);
        }

        String providerOf(String host) {
            Optional<GatewayProfile> g = gatewayOf(host);
            if (g.isPresent()) {
                return g.get().provider();
            }
            if (settings.cviDomain().filter(d -> Hosts.isUnder(host, d)).isPresent()) {
                return settings.cviProvider().orElse(CviProvider.GENERIC).wireName();
            }
            return GatewayProfiles.PLAIN_SIP.provider();
        }

        ParsedInvitation result(boolean bodyEmpty, boolean truncated) {
            Set<String> ivrUris = new HashSet<>();
            for (Candidate c : found) {
                if (c.target.kind() == JoinTarget.Kind.SIP_IVR) {
                    ivrUris.add(withoutScheme(c.target.uri()));
                }
            }
            List<Candidate> sorted = new ArrayList<>(found);
            sorted.sort(Comparator.comparingInt((Candidate c) -> methodRank(c.target))
                    .thenComparingInt(c -> c.rank).thenComparingInt(c -> c.seq));
            List<JoinTarget> targets = new ArrayList<>();
            List<JoinTarget> excluded = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (Candidate c : sorted) {
                JoinTarget t = c.target;
                String k = t.kind() + "|" + t.uri().toLowerCase(java.util.Locale.ROOT) + "|" + t.dtmf().orElse("");
                if (!seen.add(k)) {
                    continue;
                }
                if (t.kind() == JoinTarget.Kind.SIP && ivrUris.contains(withoutScheme(t.uri()))) {
                    continue; // the IVR's own address: dialling it without the digits only reaches the prompt
                }
                if (methodRank(t) == Integer.MAX_VALUE - 1) {
                    excluded.add(t);
                } else {
                    targets.add(t);
                }
            }
            return new ParsedInvitation(targets, excluded, rejected, bodyEmpty, truncated);
        }

        /** Position in obtp.preference; URL targets after all methods; excluded methods MAX-1. */
        int methodRank(JoinTarget t) {
            JoinMethod m = switch (t.kind()) {
                case SIP -> JoinMethod.DIRECT;
                case SIP_IVR -> JoinMethod.IVR;
                case WEBRTC -> JoinMethod.WEBRTC;
                case URL -> null;
            };
            if (m == null) {
                return Integer.MAX_VALUE;
            }
            int i = settings.preference().indexOf(m);
            return i < 0 ? Integer.MAX_VALUE - 1 : i;
        }
    }

    private static String withoutScheme(String uri) {
        return uri.substring(uri.indexOf(':') + 1).toLowerCase(java.util.Locale.ROOT);
    }

    static boolean isTeams(String host) {
        return Hosts.isUnder(host, "teams.microsoft.com") || Hosts.isUnder(host, "teams.live.com")
                || Hosts.isUnder(host, "teams.microsoft.us");
    }

    /** URLs written as text (not links); each ends at white space or a quote/bracket. */
    static List<String> urlsInText(Context ctx) {
        List<String> out = new ArrayList<>();
        String lower = ctx.lower;
        int i = lower.indexOf("http");
        while (i >= 0 && out.size() < HtmlText.MAX_LINKS) {
            int s = i + 4;
            if (s < lower.length() && lower.charAt(s) == 's') {
                s++;
            }
            if (lower.startsWith("://", s) && (i == 0 || !Character.isLetterOrDigit(lower.charAt(i - 1)))) {
                int e = s + 3;
                while (e < lower.length() && e - i < HtmlText.MAX_HREF && !Character.isWhitespace(lower.charAt(e))
                        && "<>\"'".indexOf(lower.charAt(e)) < 0) {
                    e++;
                }
                out.add(trimTrailing(ctx.text.substring(i, e)));
                i = lower.indexOf("http", e);
            } else {
                i = lower.indexOf("http", i + 4);
            }
        }
        return out;
    }

    /** sip:/sips: URIs written as text. */
    static List<String> sipInText(Context ctx) {
        List<String> out = new ArrayList<>();
        String lower = ctx.lower;
        int i = lower.indexOf("sip");
        while (i >= 0 && out.size() < 500) {
            int s = i + 3;
            if (s < lower.length() && lower.charAt(s) == 's') {
                s++;
            }
            if (s < lower.length() && lower.charAt(s) == ':'
                    && (i == 0 || !Character.isLetterOrDigit(lower.charAt(i - 1)))) {
                int e = s + 1;
                while (e < lower.length() && e - i < 320 && !Character.isWhitespace(lower.charAt(e))
                        && "<>\"'()[]{},".indexOf(lower.charAt(e)) < 0) {
                    e++;
                }
                String uri = trimTrailing(ctx.text.substring(i, e));
                if (uri.indexOf('@') > 0) {
                    out.add(uri);
                }
                i = lower.indexOf("sip", e);
            } else {
                i = lower.indexOf("sip", i + 3);
            }
        }
        return out;
    }

    private static boolean precededBySip(String lower, int userStart) {
        return (userStart >= 4 && lower.startsWith("sip:", userStart - 4))
                || (userStart >= 5 && lower.startsWith("sips:", userStart - 5));
    }

    /**
     * The user@host around the '@' at {@code at}: user from [A-Za-z0-9._+-] (at most 64), host
     * from letters, digits, '.' and '-' in any script (so look-alikes are seen and refused).
     */
    static Optional<String[]> addressAt(String t, int at) {
        int s = at;
        while (s > 0 && at - s < 64 && isUserChar(t.charAt(s - 1))) {
            s--;
        }
        int e = at + 1;
        while (e < t.length() && e - at <= 253 && (Character.isLetterOrDigit(t.charAt(e)) || t.charAt(e) == '.'
                || t.charAt(e) == '-')) {
            e++;
        }
        while (e > at + 1 && (t.charAt(e - 1) == '.' || t.charAt(e - 1) == '-')) {
            e--;
        }
        while (s < at && t.charAt(s) == '.') {
            s++;
        }
        if (s == at || e == at + 1) {
            return Optional.empty();
        }
        return Optional.of(new String[] {t.substring(s, at), t.substring(at + 1, e)});
    }

    private static boolean isUserChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_'
                || c == '+' || c == '-';
    }

    /** Digits (spaces between them allowed) after a label: skips up to {@code skip} non-digit characters. */
    static String digitsAfter(String lower, int from, int skip, int maxLen) {
        int p = from;
        int limit = Math.min(lower.length(), from + skip);
        while (p < limit && !Character.isDigit(lower.charAt(p))) {
            char c = lower.charAt(p);
            if (c != ':' && c != ' ' && c != '\n' && c != '(' && c != ')' && c != '-' && c != '.'
                    && !Character.isLetter(c) && c != '#') {
                return "";
            }
            p++;
        }
        StringBuilder d = new StringBuilder();
        int end = Math.min(lower.length(), p + maxLen);
        while (p < end && (isAsciiDigit(lower.charAt(p)) || lower.charAt(p) == ' ')) {
            if (lower.charAt(p) != ' ') {
                d.append(lower.charAt(p));
            }
            p++;
        }
        return d.toString();
    }

    /** The digits after the first occurrence of {@code label}, when there are {@code min}..{@code max}. */
    static Optional<String> labelled(String lower, String label, int min, int max) {
        int at = lower.indexOf(label);
        if (at < 0) {
            return Optional.empty();
        }
        String d = digitsAfter(lower, at + label.length(), 30, 24);
        return d.length() >= min && d.length() <= max ? Optional.of(d) : Optional.empty();
    }

    /** The token after "label:" (colon and spaces skipped), up to white space. */
    static String tokenAfter(String lower, int from) {
        int p = from;
        while (p < lower.length() && p - from < 5 && (lower.charAt(p) == ':' || lower.charAt(p) == ' ')) {
            p++;
        }
        int q = p;
        while (q < lower.length() && q - p < 32 && !Character.isWhitespace(lower.charAt(q))) {
            q++;
        }
        return lower.substring(p, q);
    }

    /** C0/C1 controls and Unicode format characters (bidi controls, zero-width joiners and spaces). */
    static boolean isHiddenOrControl(int c) {
        return Character.isISOControl(c) || Character.getType(c) == Character.FORMAT;
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String trimTrailing(String s) {
        int e = s.length();
        while (e > 0 && ".,;:!?)]}".indexOf(s.charAt(e - 1)) >= 0) {
            e--;
        }
        return s.substring(0, e);
    }

    /** ASCII-only lower case: indexes stay aligned with the original text. */
    static String asciiLower(String s) {
        char[] c = s.toCharArray();
        for (int i = 0; i < c.length; i++) {
            if (c[i] >= 'A' && c[i] <= 'Z') {
                c[i] = (char) (c[i] + 32);
            }
        }
        return new String(c);
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
