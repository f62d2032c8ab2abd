package io.roomwire.sip.sdp;

import java.util.regex.Pattern;

/**
 * An SDES crypto attribute (RFC 4568): {@code a=crypto:<tag> <suite> inline:<key||salt>[|lifetime][|MKI:len]}.
 * {@code keyParams} is everything after the suite, starting with {@code inline:}.
 */
public record Crypto(int tag, String suite, String keyParams) {

    private static final Pattern SUITE = Pattern.compile("[A-Za-z0-9_]{1,64}");
    private static final Pattern INLINE = Pattern.compile("inline:[A-Za-z0-9+/=]{20,128}(\\|[^\\s]{1,40}){0,2}");

    public Crypto {
        if (tag < 0 || tag > 999_999_999) {
            throw new IllegalArgumentException("crypto tag out of range: " + tag);
        }
        if (!SUITE.matcher(suite).matches()) {
            throw new IllegalArgumentException("bad crypto suite: " + suite);
        }
        if (!INLINE.matcher(keyParams).matches()) {
            throw new IllegalArgumentException("bad crypto key parameters for " + suite);
        }
    }

    static Crypto parse(String value) throws SdpException {
        String[] parts = value.trim().split("\\s+");
        if (parts.length < 3) {
            throw new SdpException("a=crypto needs a tag, a suite and key parameters");
        }
        try {
            return new Crypto(Integer.parseInt(parts[0]), parts[1], parts[2]);
        } catch (IllegalArgumentException e) {
            throw new SdpException("bad a=crypto attribute: " + e.getMessage());
        }
    }

    String line() {
        return "a=crypto:" + tag + " " + suite + " " + keyParams;
    }

    /** Hides the key when printed. */
    @Override
    public String toString() {
        return "Crypto[" + tag + " " + suite + " inline:***]";
    }
}
