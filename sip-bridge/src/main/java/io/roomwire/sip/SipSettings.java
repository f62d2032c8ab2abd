package io.roomwire.sip;

import io.roomwire.sip.sdp.SrtpPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the SIP user agent is configured with. The agent fills it from the {@code sip.*}
 * keys; tests use {@link #builder()} with its defaults (TLS, SRTP required, auto-answer off).
 *
 * @param localAddress     IP address to bind and advertise in Contact/Via/SDP ({@code sip.local-address})
 * @param localPort        SIP port to listen on, 0 for any free port ({@code sip.local-port})
 * @param user             user part of our identity ({@code sip.user})
 * @param displayName      shown to the far end ({@code sip.display-name})
 * @param domain           domain of our identity ({@code sip.domain})
 * @param registrar        host[:port] to REGISTER with; empty: unregistered direct dialing ({@code sip.registrar})
 * @param authUser         digest user name, defaults to {@code user} ({@code sip.auth-user})
 * @param password         digest password ({@code sip.password}, secret)
 * @param outboundProxy    host[:port] every out-of-dialog request goes through ({@code sip.outbound-proxy})
 * @param trustFile        PEM CA bundle for TLS; empty: the JDK's trust store ({@code sip.tls.trust-file})
 * @param certificateFile  PEM client certificate chain for mutual TLS ({@code sip.tls.certificate-file})
 * @param keyFile          PEM PKCS#8 private key of that certificate ({@code sip.tls.key-file}); it is also the
 *                         room's TLS server identity when a gateway opens its own connection back to the room
 * @param registerExpires  requested registration lifetime ({@code sip.register-expires}, 600 s)
 * @param srtpPolicy       {@code sip.srtp}: required (default) or best-effort
 * @param autoAnswer       answer incoming calls without a press ({@code sip.auto-answer}, false)
 * @param dtmfDelay        wait after media starts before an IVR join keys in the id ({@code sip.dtmf.delay}, 2 s)
 * @param dtmfToneLength   length of each RFC 4733 digit ({@code sip.dtmf.tone-length}, 100 ms)
 * @param dtmfGap          silence between digits ({@code sip.dtmf.gap}, 100 ms)
 * @param sessionExpires   RFC 4028 interval we ask for ({@code sip.session-expires}, 1800 s, at least 90 s)
 * @param keepAliveInterval in-dialog OPTIONS period, 0 for none ({@code sip.keep-alive-interval}, 30 s)
 * @param noMediaWindow    silence from the far end that raises the no-media alarm ({@code sip.no-media-window}, 10 s)
 * @param ringTimeout      an unanswered call gives up after this ({@code sip.ring-timeout}, 60 s)
 * @param inviteRateLimit  new incoming INVITEs accepted per 10 s; the rest get 503 ({@code sip.invite-rate-limit}, 20)
 * @param healthInterval   synthetic health call period; empty turns it off ({@code sip.health.interval})
 * @param healthTarget     SIP URI the health call dials ({@code sip.health.target})
 * @param allowCleartextSdes LAB USE ONLY: send and take SDES SRTP keys in SDP over udp/tcp, where anyone on
 *                         the path reads them (RFC 4568 section 8.3); false refuses such calls
 *                         ({@code sip.lab.allow-cleartext-srtp-keys}, false)
 * @param authRealms       digest realms the password may answer besides the registrar's and outbound proxy's
 *                         challenges ({@code sip.auth-realms}, empty)
 * @param autoAnswerFrom   callers auto-answer takes: {@code sip:user@host}, {@code @host}, or {@code *} for anyone
 *                         ({@code sip.auto-answer-from}, empty: nobody)
 * @param maxRingingCalls  incoming calls ringing at once; more get 486 ({@code sip.max-ringing-calls}, 2)
 * @param maxConnections   inbound TCP/TLS connections held at once; more are closed ({@code sip.max-connections}, 32)
 */
public record SipSettings(SipTransport transport, String localAddress, int localPort, String user, String displayName,
                          String domain, Optional<String> registrar, Optional<String> authUser, Optional<String> password,
                          Duration registerExpires, Optional<String> outboundProxy, Optional<Path> trustFile,
                          Optional<Path> certificateFile, Optional<Path> keyFile, SrtpPolicy srtpPolicy,
                          boolean autoAnswer, Duration dtmfDelay, Duration dtmfToneLength, Duration dtmfGap,
                          Duration sessionExpires, Duration keepAliveInterval, Duration noMediaWindow,
                          Duration ringTimeout, int inviteRateLimit, Optional<Duration> healthInterval,
                          Optional<String> healthTarget, boolean allowCleartextSdes, List<String> authRealms,
                          List<String> autoAnswerFrom, int maxRingingCalls, int maxConnections) {

    public SipSettings {
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(localAddress, "localAddress");
        Objects.requireNonNull(srtpPolicy, "srtpPolicy");
        if (!user.matches("[A-Za-z0-9._~+-]{1,64}")) {
            throw new IllegalArgumentException("sip.user must be 1-64 URI-safe characters, got '" + user + "'");
        }
        if (!domain.matches("[A-Za-z0-9.:-]{1,253}")) {
            throw new IllegalArgumentException("sip.domain must be a host name or address, got '" + domain + "'");
        }
        if (localPort < 0 || localPort > 65535) {
            throw new IllegalArgumentException("sip.local-port must be 0..65535, got " + localPort);
        }
        if (sessionExpires.toSeconds() < 90) {
            throw new IllegalArgumentException("sip.session-expires must be at least 90s (RFC 4028), got " + sessionExpires);
        }
        if (inviteRateLimit < 1) {
            throw new IllegalArgumentException("sip.invite-rate-limit must be at least 1 per 10 s");
        }
        if (certificateFile.isPresent() != keyFile.isPresent()) {
            throw new IllegalArgumentException("set both sip.tls.certificate-file and sip.tls.key-file, or neither");
        }
        if (registrar.isPresent() && password.isEmpty()) {
            throw new IllegalArgumentException("sip.registrar is set but sip.password is not");
        }
        authRealms = List.copyOf(authRealms);
        autoAnswerFrom = List.copyOf(autoAnswerFrom);
        if (autoAnswer && autoAnswerFrom.isEmpty()) {
            throw new IllegalArgumentException("sip.auto-answer=true needs sip.auto-answer-from: the callers to answer"
                    + " (sip:user@host, @host, or * for anyone)");
        }
        if (maxRingingCalls < 1 || maxConnections < 1) {
            throw new IllegalArgumentException("sip.max-ringing-calls and sip.max-connections must be at least 1");
        }
    }

    public String authUserOrUser() {
        return authUser.orElse(user);
    }

    /** Our address of record, e.g. {@code sip:room-12@example.com}. */
    public String addressOfRecord() {
        return (transport == SipTransport.TLS ? "sips:" : "sip:") + user + "@" + domain;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.transport = transport;
        b.localAddress = localAddress;
        b.localPort = localPort;
        b.user = user;
        b.displayName = displayName;
        b.domain = domain;
        b.registrar = registrar;
        b.authUser = authUser;
        b.password = password;
        b.registerExpires = registerExpires;
        b.outboundProxy = outboundProxy;
        b.trustFile = trustFile;
        b.certificateFile = certificateFile;
        b.keyFile = keyFile;
        b.srtpPolicy = srtpPolicy;
        b.autoAnswer = autoAnswer;
        b.dtmfDelay = dtmfDelay;
        b.dtmfToneLength = dtmfToneLength;
        b.dtmfGap = dtmfGap;
        b.sessionExpires = sessionExpires;
        b.keepAliveInterval = keepAliveInterval;
        b.noMediaWindow = noMediaWindow;
        b.ringTimeout = ringTimeout;
        b.inviteRateLimit = inviteRateLimit;
        b.healthInterval = healthInterval;
        b.healthTarget = healthTarget;
        b.allowCleartextSdes = allowCleartextSdes;
        b.authRealms = authRealms;
        b.autoAnswerFrom = autoAnswerFrom;
        b.maxRingingCalls = maxRingingCalls;
        b.maxConnections = maxConnections;
        return b;
    }

    @Override
    public String toString() {
        return "SipSettings[" + transport + " " + localAddress + ":" + localPort + " " + addressOfRecord()
                + " registrar=" + registrar.orElse("-") + " proxy=" + outboundProxy.orElse("-") + " srtp=" + srtpPolicy
                + " password=" + (password.isPresent() ? "***" : "-") + "]";
    }

    public static final class Builder {
        private SipTransport transport = SipTransport.TLS;
        private String localAddress = "127.0.0.1";
        private int localPort;
        private String user = "room";
        private String displayName = "Meeting Room";
        private String domain = "localhost";
        private Optional<String> registrar = Optional.empty();
        private Optional<String> authUser = Optional.empty();
        private Optional<String> password = Optional.empty();
        private Duration registerExpires = Duration.ofSeconds(600);
        private Optional<String> outboundProxy = Optional.empty();
        private Optional<Path> trustFile = Optional.empty();
        private Optional<Path> certificateFile = Optional.empty();
        private Optional<Path> keyFile = Optional.empty();
        private SrtpPolicy srtpPolicy = SrtpPolicy.REQUIRED;
        private boolean autoAnswer;
        private Duration dtmfDelay = Duration.ofSeconds(2);
        private Duration dtmfToneLength = Duration.ofMillis(100);
        private Duration dtmfGap = Duration.ofMillis(100);
        private Duration sessionExpires = Duration.ofSeconds(1800);
        private Duration keepAliveInterval = Duration.ofSeconds(30);
        private Duration noMediaWindow = Duration.ofSeconds(10);
        private Duration ringTimeout = Duration.ofSeconds(60);
        private int inviteRateLimit = 20;
        private Optional<Duration> healthInterval = Optional.empty();
        private Optional<String> healthTarget = Optional.empty();
        private boolean allowCleartextSdes;
        private List<String> authRealms = List.of();
        private List<String> autoAnswerFrom = List.of();
        private int maxRingingCalls = 2;
        private int maxConnections = 32;

        public Builder transport(SipTransport v) { transport = v; return this; }
        public Builder localAddress(String v) { localAddress = v; return this; }
        public Builder localPort(int v) { localPort = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder displayName(String v) { displayName = v; return this; }
        public Builder domain(String v) { domain = v; return this; }
        public Builder registrar(String v) { registrar = Optional.ofNullable(v); return this; }
        public Builder authUser(String v) { authUser = Optional.ofNullable(v); return this; }
        public Builder password(String v) { password = Optional.ofNullable(v); return this; }
        public Builder registerExpires(Duration v) { registerExpires = v; return this; }
        public Builder outboundProxy(String v) { outboundProxy = Optional.ofNullable(v); return this; }
        public Builder trustFile(Path v) { trustFile = Optional.ofNullable(v); return this; }
        public Builder certificateFile(Path v) { certificateFile = Optional.ofNullable(v); return this; }
        public Builder keyFile(Path v) { keyFile = Optional.ofNullable(v); return this; }
        public Builder srtpPolicy(SrtpPolicy v) { srtpPolicy = v; return this; }
        public Builder autoAnswer(boolean v) { autoAnswer = v; return this; }
        public Builder dtmfDelay(Duration v) { dtmfDelay = v; return this; }
        public Builder dtmfToneLength(Duration v) { dtmfToneLength = v; return this; }
        public Builder dtmfGap(Duration v) { dtmfGap = v; return this; }
        public Builder sessionExpires(Duration v) { sessionExpires = v; return this; }
        public Builder keepAliveInterval(Duration v) { keepAliveInterval = v; return this; }
        public Builder noMediaWindow(Duration v) { noMediaWindow = v; return this; }
        public Builder ringTimeout(Duration v) { ringTimeout = v; return this; }
        public Builder inviteRateLimit(int v) { inviteRateLimit = v; return this; }
        public Builder healthInterval(Duration v) { healthInterval = Optional.ofNullable(v); return this; }
        public Builder healthTarget(String v) { healthTarget = Optional.ofNullable(v); return this; }
        public Builder allowCleartextSdes(boolean v) { allowCleartextSdes = v; return this; }
        public Builder authRealms(List<String> v) { authRealms = v; return this; }
        public Builder autoAnswerFrom(List<String> v) { autoAnswerFrom = v; return this; }
        public Builder maxRingingCalls(int v) { maxRingingCalls = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }

        public SipSettings build() {
            return new SipSettings(transport, localAddress, localPort, user, displayName, domain, registrar, authUser,
                    password, registerExpires, outboundProxy, trustFile, certificateFile, keyFile, srtpPolicy, autoAnswer,
                    dtmfDelay, dtmfToneLength, dtmfGap, sessionExpires, keepAliveInterval, noMediaWindow, ringTimeout,
                    inviteRateLimit, healthInterval, healthTarget, allowCleartextSdes, authRealms, autoAnswerFrom,
                    maxRingingCalls, maxConnections);
        }
    }
}
