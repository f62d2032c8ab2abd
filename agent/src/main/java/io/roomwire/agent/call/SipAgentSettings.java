package io.roomwire.agent.call;

import io.roomwire.agent.config.AgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.Setting;
import io.roomwire.agent.config.SettingType;
import io.roomwire.sip.SipSettings;
import io.roomwire.sip.SipTransport;
import io.roomwire.sip.sdp.SrtpPolicy;
import java.nio.file.Path;
import java.time.Duration;

/** The SIP user agent that joins meetings through interop gateways. */
public final class SipAgentSettings {

    private SipAgentSettings() {
    }

    public static final Setting<String> TRANSPORT = Setting.of("sip.transport", SettingType.oneOf("tls", "tcp", "udp"),
            "tls", "Transport for gateway calls; TLS (with SRTP) is the default");
    public static final Setting<String> LOCAL_ADDRESS = Setting.of("sip.local-address", SettingType.STRING, "127.0.0.1",
            "IP address to bind and to advertise in Contact, Via and SDP: the room's own LAN address");
    public static final Setting<Integer> LOCAL_PORT = Setting.of("sip.local-port", SettingType.integer(0, 65535), "0",
            "SIP port to listen on; 0 picks a free port");
    public static final Setting<String> USER = Setting.of("sip.user", SettingType.STRING, "room",
            "User part of the room's SIP identity (sip:USER@DOMAIN)");
    public static final Setting<String> DISPLAY_NAME = Setting.optional("sip.display-name", SettingType.STRING,
            "Name the far end sees; defaults to device.name");
    public static final Setting<String> DOMAIN = Setting.of("sip.domain", SettingType.STRING, "localhost",
            "Domain of the room's SIP identity");
    public static final Setting<String> REGISTRAR = Setting.optional("sip.registrar", SettingType.STRING,
            "host[:port] to REGISTER with; unset: unregistered direct dialing");
    public static final Setting<String> AUTH_USER = Setting.optional("sip.auth-user", SettingType.STRING,
            "Digest user name (defaults to sip.user)");
    public static final Setting<String> PASSWORD = Setting.optional("sip.password", SettingType.STRING,
            "Digest password for the registrar or gateway").asSecret();
    public static final Setting<Duration> REGISTER_EXPIRES = Setting.of("sip.register-expires", SettingType.DURATION,
            "600s", "Requested registration lifetime (refreshed before it runs out)");
    public static final Setting<String> OUTBOUND_PROXY = Setting.optional("sip.outbound-proxy", SettingType.STRING,
            "host[:port] every out-of-dialog request goes through");
    public static final Setting<Path> TRUST_FILE = Setting.optional("sip.tls.trust-file", SettingType.PATH,
            "PEM CA bundle to trust for TLS instead of the JDK's trust store");
    public static final Setting<Path> CERTIFICATE_FILE = Setting.optional("sip.tls.certificate-file", SettingType.PATH,
            "PEM client certificate chain for mutual TLS (with sip.tls.key-file)");
    public static final Setting<Path> KEY_FILE = Setting.optional("sip.tls.key-file", SettingType.PATH,
            "PEM PKCS#8 private key of sip.tls.certificate-file (file should be 0600)");
    public static final Setting<String> SRTP = Setting.of("sip.srtp", SettingType.oneOf("required", "best-effort"),
            "required", "required: refuse calls without SRTP; best-effort: fall back to plain RTP");
    public static final Setting<Boolean> ALLOW_CLEARTEXT_SDES = Setting.of("sip.lab.allow-cleartext-srtp-keys",
            SettingType.BOOLEAN, "false", "WARNING, LAB USE ONLY. With sip.transport=udp or tcp the SRTP master keys travel in"
                    + " clear SDP (RFC 4568 section 8.3): anyone on the path can decrypt the call. false (the default)"
                    + " refuses such calls when sip.srtp=required; use sip.transport=tls");
    public static final Setting<java.util.List<String>> AUTH_REALMS = Setting.of("sip.auth-realms", SettingType.LIST, "",
            "Digest realms sip.password may answer, besides challenges from sip.registrar and sip.outbound-proxy"
                    + " (comma-separated); any other 401/407 fails the call instead of sending a digest");
    public static final Setting<Boolean> AUTO_ANSWER = Setting.of("sip.auto-answer", SettingType.BOOLEAN, "false",
            "Answer incoming calls from sip.auto-answer-from without a press on the panel");
    public static final Setting<java.util.List<String>> AUTO_ANSWER_FROM = Setting.of("sip.auto-answer-from",
            SettingType.LIST, "", "Callers sip.auto-answer takes (comma-separated): sip:user@host, @host, or * for"
                    + " anyone; others ring");
    public static final Setting<Integer> MAX_RINGING = Setting.of("sip.max-ringing-calls", SettingType.integer(1, 20),
            "2", "Incoming calls ringing at once; more (and any while in a call) are answered 486 Busy Here");
    public static final Setting<Integer> MAX_CONNECTIONS = Setting.of("sip.max-connections",
            SettingType.integer(1, 1000), "32", "Inbound SIP TCP/TLS connections held at once; more are closed at"
                    + " once; idle ones close after 2 min, ones that send a message too slowly after 10 s");
    public static final Setting<Duration> DTMF_DELAY = Setting.of("sip.dtmf-delay", SettingType.DURATION, "2s",
            "Wait after media starts before keying in an IVR's meeting id");
    public static final Setting<Duration> DTMF_TONE = Setting.of("sip.dtmf-tone", SettingType.DURATION, "100ms",
            "Length of each DTMF key press");
    public static final Setting<Duration> DTMF_GAP = Setting.of("sip.dtmf-gap", SettingType.DURATION, "100ms",
            "Pause between DTMF key presses");
    public static final Setting<Duration> SESSION_EXPIRES = Setting.of("sip.session-expires", SettingType.DURATION,
            "1800s", "RFC 4028 session timer (at least 90s)");
    public static final Setting<Duration> KEEP_ALIVE = Setting.of("sip.keep-alive", SettingType.DURATION, "30s",
            "OPTIONS keep-alive interval towards the registrar or proxy");
    public static final Setting<Duration> NO_MEDIA = Setting.of("sip.no-media-window", SettingType.DURATION, "10s",
            "A call with no media from the far end for this long is reported");
    public static final Setting<Duration> RING_TIMEOUT = Setting.of("sip.ring-timeout", SettingType.DURATION, "60s",
            "Give up an outgoing call that is not answered within this time");
    public static final Setting<Integer> INVITE_RATE = Setting.of("sip.invite-rate-limit", SettingType.integer(1, 10000),
            "20", "Inbound INVITEs accepted per 10 s; more are answered 503");
    public static final Setting<Duration> HEALTH_INTERVAL = Setting.optional("sip.health-interval", SettingType.DURATION,
            "Place a synthetic health call this often (off when unset)");
    public static final Setting<String> HEALTH_TARGET = Setting.optional("sip.health-target", SettingType.STRING,
            "SIP URI the synthetic health call dials (the configured gateway)");

    /** The user agent's settings from the configuration; IllegalArgumentException names the bad key. */
    public static SipSettings from(Config c) {
        SipSettings.Builder b = SipSettings.builder()
                .transport(SipTransport.parse(c.get(TRANSPORT)))
                .localAddress(c.get(LOCAL_ADDRESS)).localPort(c.get(LOCAL_PORT))
                .user(c.get(USER)).displayName(c.find(DISPLAY_NAME).orElse(c.get(AgentSettings.DEVICE_NAME)))
                .domain(c.get(DOMAIN))
                .registrar(c.find(REGISTRAR).orElse(null)).authUser(c.find(AUTH_USER).orElse(null))
                .password(c.find(PASSWORD).orElse(null)).registerExpires(c.get(REGISTER_EXPIRES))
                .outboundProxy(c.find(OUTBOUND_PROXY).orElse(null))
                .trustFile(c.find(TRUST_FILE).orElse(null)).certificateFile(c.find(CERTIFICATE_FILE).orElse(null))
                .keyFile(c.find(KEY_FILE).orElse(null))
                .srtpPolicy(c.get(SRTP).equals("required") ? SrtpPolicy.REQUIRED : SrtpPolicy.BEST_EFFORT)
                .autoAnswer(c.get(AUTO_ANSWER)).dtmfDelay(c.get(DTMF_DELAY)).dtmfToneLength(c.get(DTMF_TONE))
                .dtmfGap(c.get(DTMF_GAP)).sessionExpires(c.get(SESSION_EXPIRES)).keepAliveInterval(c.get(KEEP_ALIVE))
                .noMediaWindow(c.get(NO_MEDIA)).ringTimeout(c.get(RING_TIMEOUT)).inviteRateLimit(c.get(INVITE_RATE))
                .healthInterval(c.find(HEALTH_INTERVAL).orElse(null)).healthTarget(c.find(HEALTH_TARGET).orElse(null))
                .allowCleartextSdes(c.get(ALLOW_CLEARTEXT_SDES)).authRealms(c.get(AUTH_REALMS))
                .autoAnswerFrom(c.get(AUTO_ANSWER_FROM)).maxRingingCalls(c.get(MAX_RINGING))
                .maxConnections(c.get(MAX_CONNECTIONS));
        return b.build();
    }
}
