package io.roomwire.sip.dialplan;

import io.roomwire.sip.JoinTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * CVI dial plans: turns (provider, tenant key, video id, domain) into the SIP URIs to dial, in
 * the order to try them. Both the OBTP parser and {@code roomwire dial} use this one plan.
 *
 * The standard plan holds the Cisco VIMT, Poly RealConnect and Pexip templates of {@link GatewayProfiles};
 * anything else is a template with {@code {tenant}}, {@code {id}}, {@code {domain}} added by {@link Builder#template}.
 */
public final class DialPlan {

    /** Which form to put first when a provider has both. */
    public enum Preference { DIRECT, IVR }

    public static final String CISCO = GatewayProfiles.CISCO_VIMT.provider();
    public static final String POLY = GatewayProfiles.POLY_REALCONNECT.provider();
    public static final String PEXIP = GatewayProfiles.PEXIP.provider();

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern DOMAIN = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*");
    private static final Pattern VIDEO_ID = Pattern.compile("[0-9]{4,32}");

    private final Map<String, DialTemplate> templates;
    private final Preference preference;
    private final boolean secure;

    private DialPlan(Builder b) {
        this.templates = Map.copyOf(b.templates);
        this.preference = b.preference;
        this.secure = b.secure;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The standard Cisco, Poly and Pexip templates, direct first, over {@code sips:}. */
    public static DialPlan standard() {
        return builder().build();
    }

    public Preference preference() {
        return preference;
    }

    public Optional<DialTemplate> template(String provider) {
        return Optional.ofNullable(templates.get(provider.toLowerCase(Locale.ROOT)));
    }

    /** Targets for an invitation, labelled as coming from the dial plan. */
    public List<JoinTarget> targets(String provider, String tenantKey, String videoId, String domain) {
        return targets(provider, tenantKey, videoId, domain, "dialplan");
    }

    /**
     * The URIs to dial for one meeting, preferred first (the second, if any, is the fallback).
     *
     * @param domain the gateway domain from the invitation; empty or null uses the provider's default
     * @throws IllegalArgumentException naming the bad part (unknown provider, bad tenant key or video id)
     */
    public List<JoinTarget> targets(String provider, String tenantKey, String videoId, String domain, String source) {
        DialTemplate t = template(provider == null ? "" : provider).orElseThrow(() -> new IllegalArgumentException(
                "no dial plan for provider '" + provider + "': known are " + templates.keySet()
                        + " (a provider and its templates are set with gateway.<provider>.direct-template / .ivr-template)"));
        String id = videoId == null ? "" : videoId.replaceAll("[\\s-]", "");
        if (!VIDEO_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("video id must be 4 to 32 digits, got '" + videoId + "'");
        }
        if (tenantKey == null || !TENANT.matcher(tenantKey).matches()) {
            throw new IllegalArgumentException("tenant key must be letters, digits, '.', '_' or '-', got '" + tenantKey + "'");
        }
        String d = domain == null || domain.isBlank() ? t.defaultDomain().orElseThrow(() -> new IllegalArgumentException(
                "provider " + t.provider() + " needs a gateway domain (none in the invitation)")) : domain.trim();
        if (!DOMAIN.matcher(d).matches()) {
            throw new IllegalArgumentException("bad gateway domain '" + d + "'");
        }
        List<JoinTarget> direct = new ArrayList<>();
        List<JoinTarget> ivr = new ArrayList<>();
        t.direct().ifPresent(tpl -> direct.add(JoinTarget.sip(fill(tpl, tenantKey, id, d), t.provider(), source)));
        t.ivr().ifPresent(tpl -> ivr.add(JoinTarget.ivr(fill(tpl, tenantKey, id, d), id + "#", t.provider(), source)));
        List<JoinTarget> out = new ArrayList<>();
        if (preference == Preference.DIRECT) {
            out.addAll(direct);
            out.addAll(ivr);
        } else {
            out.addAll(ivr);
            out.addAll(direct);
        }
        return List.copyOf(out);
    }

    private String fill(String template, String tenant, String id, String domain) {
        String uri = template.replace("{tenant}", tenant).replace("{id}", id).replace("{domain}", domain);
        if (!secure && uri.startsWith("sips:")) {
            uri = "sip:" + uri.substring(5);
        }
        return uri;
    }

    public static final class Builder {
        private final Map<String, DialTemplate> templates = new LinkedHashMap<>();
        private Preference preference = Preference.DIRECT;
        private boolean secure = true;

        private Builder() {
            for (GatewayProfile g : List.of(GatewayProfiles.CISCO_VIMT, GatewayProfiles.POLY_REALCONNECT,
                    GatewayProfiles.PEXIP)) {
                template(g.template());
            }
        }

        /** Adds or replaces a provider's template. */
        public Builder template(DialTemplate t) {
            templates.put(t.provider().toLowerCase(Locale.ROOT), t);
            return this;
        }

        /** A generic provider from template strings (either may be null). */
        public Builder template(String provider, String direct, String ivr, String defaultDomain) {
            return template(new DialTemplate(provider, Optional.ofNullable(direct), Optional.ofNullable(ivr),
                    Optional.ofNullable(defaultDomain)));
        }

        public Builder preference(Preference p) {
            this.preference = p;
            return this;
        }

        /** With false, {@code sips:} templates are dialled as {@code sip:} (transport then decides TLS). */
        public Builder secure(boolean s) {
            this.secure = s;
            return this;
        }

        public DialPlan build() {
            return new DialPlan(this);
        }
    }
}
