package io.roomwire.sip.dialplan;

import java.util.Objects;
import java.util.Optional;

/**
 * How one provider's gateway is dialled. Templates use {@code {tenant}}, {@code {id}} and
 * {@code {domain}}; the IVR template has no {@code {id}} because the id is keyed in by DTMF.
 *
 * @param provider      provider name as it appears in {@code JoinTarget.provider()}
 * @param direct        direct-dial URI template, if the gateway supports it
 * @param ivr           IVR URI template, if the gateway has one
 * @param defaultDomain domain used when the invitation names none
 */
public record DialTemplate(String provider, Optional<String> direct, Optional<String> ivr, Optional<String> defaultDomain) {

    public DialTemplate {
        Objects.requireNonNull(provider, "provider");
        if (direct.isEmpty() && ivr.isEmpty()) {
            throw new IllegalArgumentException("dial template for " + provider + " needs a direct or an IVR URI");
        }
        direct.ifPresent(t -> check(t, true));
        ivr.ifPresent(t -> check(t, false));
    }

    private static void check(String template, boolean needsId) {
        if (!template.startsWith("sip:") && !template.startsWith("sips:")) {
            throw new IllegalArgumentException("dial template must start with sip: or sips:, got " + template);
        }
        if (needsId && !template.contains("{id}")) {
            throw new IllegalArgumentException("direct dial template needs {id}: " + template);
        }
        if (!needsId && template.contains("{id}")) {
            throw new IllegalArgumentException("IVR dial template must not contain {id} (it is sent by DTMF): " + template);
        }
        String rest = template.replace("{tenant}", "").replace("{id}", "").replace("{domain}", "");
        if (rest.contains("{") || rest.contains("}")) {
            throw new IllegalArgumentException("unknown placeholder in dial template " + template
                    + ": use {tenant}, {id} and {domain}");
        }
    }
}
