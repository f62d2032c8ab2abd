package io.roomwire.sip.dialplan;

import io.roomwire.hal.MediaKind;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.MediaCapabilities;
import io.roomwire.sip.sdp.SrtpPolicy;
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
 * @param media         what a call through it needs: signalling transport, SRTP, codecs ({@link Media#DEFAULT}:
 *                      the user agent's own {@code sip.*} settings)
 */
public record GatewayProfile(String provider, String name, List<String> domains, List<String> linkHosts,
                             DialTemplate template, boolean cvi, Optional<DtmfTiming> dtmf, Media media) {

    /**
     * What a call through a provider needs; the dial checks it and the SDP offer follows it.
     *
     * @param transport   the least signalling transport the gateway takes (TLS over TCP over UDP); a room whose
     *                    {@code sip.transport} is weaker fails such a call before sending anything. Empty: any.
     * @param srtp        SRTP policy of its calls instead of {@code sip.srtp}; empty: {@code sip.srtp}
     * @param audioCodecs the audio codecs offered to it, in this order (names as in SDP: opus, G722, PCMU, PCMA);
     *                    empty: every codec the room has, in the room's order
     * @param video       whether video is offered at all (false: an audio-only offer)
     */
    public record Media(Optional<SipTransport> transport, Optional<SrtpPolicy> srtp, List<String> audioCodecs,
                        boolean video) {
        /** The user agent's own settings: any transport, {@code sip.srtp}, every codec, video. */
        public static final Media DEFAULT = new Media(Optional.empty(), Optional.empty(), List.of(), true);

        public Media {
            Objects.requireNonNull(transport, "transport");
            Objects.requireNonNull(srtp, "srtp");
            List<String> known = MediaCapabilities.standard().of(MediaKind.AUDIO).stream()
                    .filter(f -> !f.isTelephoneEvent()).map(f -> f.encoding()).toList();
            audioCodecs = audioCodecs.stream().map(c -> known.stream().filter(k -> k.equalsIgnoreCase(c.trim()))
                    .findFirst().orElseThrow(() -> new IllegalArgumentException("unknown audio codec '" + c.trim()
                            + "': use " + String.join(", ", known)))).distinct().toList();
        }

        /** {@code t} is at least {@link #transport()}. */
        public boolean allows(SipTransport t) {
            return transport.map(least -> t.ordinal() >= least.ordinal()).orElse(true);
        }

        /** {@code room}'s capabilities as offered to this provider: its audio codecs in its order, video or not. */
        public MediaCapabilities limit(MediaCapabilities room) {
            return room.limitTo(audioCodecs, video);
        }
    }

    /** A profile with the user agent's own media settings. */
    public GatewayProfile(String provider, String name, List<String> domains, List<String> linkHosts,
                          DialTemplate template, boolean cvi, Optional<DtmfTiming> dtmf) {
        this(provider, name, domains, linkHosts, template, cvi, dtmf, Media.DEFAULT);
    }

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
                Optional.of(new DtmfTiming(initialDelay, interDigitGap)), media);
    }

    /** This profile with {@code m} as what its calls need. */
    public GatewayProfile withMedia(Media m) {
        return new GatewayProfile(provider, name, domains, linkHosts, template, cvi, dtmf, m);
    }

    public GatewayProfile {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(name, "name");
        domains = domains.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        linkHosts = linkHosts.stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(dtmf, "dtmf");
        Objects.requireNonNull(media, "media");
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
