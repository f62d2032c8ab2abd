package io.roomwire.sim.room;

import io.roomwire.core.store.AtomicFiles;
import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.gateway.SimGateway;
import io.roomwire.sim.cloud.webrtc.FarEnd;
import io.roomwire.sim.cloud.webrtc.SimWebRtcGateway;
import io.roomwire.sim.cloud.webrtc.WebRtcFarEnd;
import io.roomwire.sim.cloud.graph.Booking;
import io.roomwire.sim.cloud.graph.InvitationBodies;
import io.roomwire.sim.cloud.graph.DemoMeetings;
import io.roomwire.sim.cloud.graph.SimGraph;
import io.roomwire.sim.cloud.mdm.SimMdm;
import io.roomwire.sim.room.broker.EmbeddedBroker;
import io.roomwire.sim.room.broker.RoomBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.ZoneId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The simulated cloud services a room's agent talks to, started on loopback with real protocols,
 * and the agent settings that point an agent at them. One instance can serve a whole fleet.
 *
 * <p>Durable as a real cloud is: what a room's stored state depends on is kept in {@code workDir/state}
 * ({@link CloudStateFolder}) and read back when a cloud starts on the same work dir, so rooms restarted on their state
 * (after a power cut, a {@code kill -9} of the fleet) carry on without a new sign-in: the PKI's CA (trust files, the
 * server certificates rooms check), Entra's token-signing key, refresh grants and device registrations, and the MDM's
 * CA, devices and addresses (a stored enrollment names the management URL). Everything else is made afresh at each
 * start; rooms get those addresses from the settings built then ({@link #agentSettings}). Graph's mailboxes are
 * rebuilt by whoever adds the rooms: a room's stored delta link then gets what Graph answers for an unknown one (a
 * full resync).
 */
public final class SimCloud implements AutoCloseable {

    public static final String TENANT_ID = "4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b";
    public static final String DOMAIN = "contoso.example";
    public static final String CVI_DOMAIN = "m.webex.com";
    public static final String CVI_TENANT = "contoso";
    public static final String DEMO_VIDEO_ID = "4412345678";
    public static final String DEMO_SUBJECT = "Roomwire demo (Teams via Cisco CVI)";

    private final Path workDir;
    private final CloudStateFolder state;
    private final SimPki pki;
    private final SimTokenAuthority authority;
    private final SimEntra entra;
    private final SimGraph graph;
    private final SimMdm mdm;
    private final SimGateway gateway;
    private final LazyFarEnd farEnd = new LazyFarEnd();
    private final SimWebRtcGateway webrtcGateway;
    private volatile RoomBroker broker;
    private final Clock clock;
    private final Path caFile;
    private final Duration approveAfter;

    private SimCloud(Path workDir, Clock clock, Duration approveAfter) {
        this.workDir = workDir;
        this.state = new CloudStateFolder(workDir.resolve("state"), clock);
        this.pki = ca(state);
        this.caFile = writeFile(workDir.resolve("sim-cloud-ca.pem"), pki.caPem(), false);
        this.authority = SimTokenAuthority.durable(TENANT_ID, clock, state);
        this.entra = SimEntra.https(authority, pki, state);
        this.clock = clock;
        try {
            // Plain http is accepted by the agent for loopback hosts only; real Graph is https.
            this.graph = new SimGraph(authority, clock).start();
        } catch (IOException e) {
            entra.close();
            throw new UncheckedIOException("Cannot start the simulated Graph", e);
        }
        // Conditional access: Entra refuses to refresh tokens of a device the MDM marks non-compliant.
        this.mdm = new SimMdm(authority, pki, state).setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.4")
                .withRequireEncryption(true).withBlockDebugMode(true));
        entra.setComplianceGate(mdm::nonComplianceReason);
        // The tenant's Cisco CVI gateway (m.webex.com), reached over SIP TLS with SRTP media.
        try {
            this.gateway = SimGateway.builder().transport(SimGateway.Transport.TLS)
                    .sslContext(pki.sslContext(pki.issueServer(CVI_DOMAIN, CVI_DOMAIN)))
                    .domain(CVI_DOMAIN).tenant(CVI_TENANT).meetingIds(DEMO_VIDEO_ID, "1187654321").build().start();
        } catch (IOException e) {
            mdm.close();
            graph.close();
            entra.close();
            throw new UncheckedIOException("Cannot start the simulated CVI gateway", e);
        }
        // The WebRTC gateway that joins Teams-only meetings (WHIP); its far end loads webrtc-java on the first call only.
        try {
            this.webrtcGateway = new SimWebRtcGateway(farEnd, Optional.of(WEBRTC_TOKEN), clock, Duration.ofMinutes(2));
        } catch (IOException e) {
            gateway.close();
            mdm.close();
            graph.close();
            entra.close();
            throw new UncheckedIOException("Cannot start the simulated WebRTC gateway", e);
        }
        this.approveAfter = approveAfter;
    }

    private static SimPki ca(CloudStateFolder state) {
        return SimPki.durable("Roomwire Sim Cloud", state, "cloud-ca");
    }

    /**
     * The CA of the cloud on {@code workDir} ({@link #pki()}), made and kept there first if no cloud has run on it: a
     * broker started by another process (one that must outlive the cloud's) trusts the same CA as the cloud's rooms.
     */
    public static SimPki ca(Path workDir) {
        return ca(new CloudStateFolder(workDir.resolve("state"), Clock.systemUTC()));
    }

    /** The bearer token the simulated WHIP endpoint wants. */
    static final String WEBRTC_TOKEN = "sim-whip-token";

    /** Creates the webrtc-java far end when the first offer arrives: rooms that never join over WebRTC pay nothing. */
    private static final class LazyFarEnd implements FarEnd {
        private WebRtcFarEnd delegate;

        synchronized WebRtcFarEnd get() {
            if (delegate == null) {
                // Closes its peers as the room does, freeing what webrtc-java 0.14.0's close() leaves (a fleet's far end
                // answers every room's calls for the simulator's whole life).
                delegate = new WebRtcFarEnd(io.roomwire.webrtc.internal.PeerConnectionCloser::close);
            }
            return delegate;
        }

        @Override
        public String answer(String sessionId, String offerSdp) throws Exception {
            return get().answer(sessionId, offerSdp);
        }

        @Override
        public void addCandidate(String sessionId, String mid, String candidate) {
            get().addCandidate(sessionId, mid, candidate);
        }

        @Override
        public String restartIce(String sessionId, String ufrag, String pwd) throws Exception {
            return get().restartIce(sessionId, ufrag, pwd);
        }

        @Override
        public void close(String sessionId) {
            get().close(sessionId);
        }

        synchronized void shutdown() {
            if (delegate != null) {
                delegate.close();
            }
        }
    }

    /**
     * Starts every simulated service; files (the CA certificate, rooms' SIP certificates) go under {@code workDir},
     * and what must outlive the process under {@code workDir/state}, read back when a previous run left it there.
     */
    public static SimCloud start(Path workDir, Clock clock, Duration approveAfter) {
        return new SimCloud(workDir, clock, approveAfter);
    }

    public static SimCloud start(Path workDir) {
        return start(workDir, Clock.systemUTC(), Duration.ofSeconds(5));
    }

    /** The room account (UPN) of a simulated room: {@code room401@contoso.example}. */
    public static String roomAccount(String roomNumber) {
        return "room" + roomNumber + "@" + DOMAIN;
    }

    /**
     * Registers a room's account; the simulated admin approves the next device codes as that
     * account after {@code approveAfter} (one room at a time signs in this way).
     */
    public String addRoom(String roomNumber, String displayName) {
        String upn = addRoomAccount(roomNumber, displayName);
        entra.autoApproveAfter(approveAfter, upn);
        return upn;
    }

    /**
     * Registers a room's account and mailbox without the auto-approval: for a fleet, where the
     * simulated admin approves each room's code as that room ({@link SimulatedRoom.Builder#adminApprovesFromPanel}).
     */
    public String addRoomAccount(String roomNumber, String displayName) {
        String upn = roomAccount(roomNumber);
        entra.addUser(upn, displayName);
        graph.addMailbox(upn);
        return upn;
    }

    /** How long the simulated admin takes to approve a sign-in code. */
    public Duration approveAfter() {
        return approveAfter;
    }

    /**
     * Starts the embedded MQTT 5 broker (HiveMQ CE, mutual TLS) that rooms report to and operators
     * manage them through; agents configured after this call connect to it.
     */
    public EmbeddedBroker startBroker() {
        if (broker == null) {
            broker = EmbeddedBroker.start(workDir.resolve("broker"), pki);
        }
        if (broker instanceof EmbeddedBroker e) {
            return e;
        }
        throw new IllegalStateException("this cloud already uses " + broker.url() + " (useBroker)");
    }

    /** Rooms configured after this call report to {@code b} (a Mosquitto for a fleet); closed with the cloud. */
    public <B extends RoomBroker> B useBroker(B b) {
        broker = b;
        return b;
    }

    public Optional<RoomBroker> broker() {
        return Optional.ofNullable(broker);
    }

    /** Books a meeting that is on now, joinable through the simulated Cisco CVI gateway. */
    public String bookMeetingNow(String roomNumber, ZoneId zone) {
        java.time.ZonedDateTime start = clock.instant().atZone(zone).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        return graph.book(roomAccount(roomNumber), Booking.of(DEMO_SUBJECT, start.minusMinutes(1), Duration.ofMinutes(30))
                .organizer("Megan Bowen", "megan@" + DOMAIN)
                .teamsCviInvitation(InvitationBodies.Provider.CISCO, InvitationBodies.Wording.JOIN_WITH, CVI_TENANT,
                        DEMO_VIDEO_ID).build());
    }

    /** Subject of the Teams-only demo meeting, which the room joins over WebRTC through the simulated WHIP gateway. */
    public static final String WEBRTC_DEMO_SUBJECT = "Roomwire demo (Teams over WebRTC)";

    /** Books a Teams-only meeting (no video-conferencing section) that is on now: joined over WebRTC. */
    public String bookWebRtcMeetingNow(String roomNumber, ZoneId zone) {
        java.time.ZonedDateTime start = clock.instant().atZone(zone).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        return graph.book(roomAccount(roomNumber), Booking.of(WEBRTC_DEMO_SUBJECT, start.minusMinutes(1), Duration.ofMinutes(30))
                .organizer("Megan Bowen", "megan@" + DOMAIN).teamsInvitation().build());
    }

    /** Books the demo day (every provider, cancelled, declined, private, a series) into a room's calendar. */
    public Map<String, String> bookDemoMeetings(String roomNumber, ZoneId zone) {
        return DemoMeetings.book(graph, roomAccount(roomNumber), clock.instant().atZone(zone));
    }

    /** Agent settings (properties keys) that point an agent at these services. */
    public Map<String, String> agentSettings(String deviceSerial, String roomNumber) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device.id", deviceSerial);
        m.put("calendar.mailbox", roomAccount(roomNumber));
        m.put("calendar.graph-url", graph.baseUrl());
        m.put("entra.authority", entra.baseUri().toString());
        m.put("entra.tenant", TENANT_ID);
        m.put("entra.client-id", SimEntra.DEFAULT_CLIENT_ID);
        m.put("entra.ca-file", caFile.toString());
        m.put("sip.transport", "tls");
        m.put("sip.user", "room" + roomNumber);
        m.put("sip.domain", DOMAIN);
        // Every call goes to the simulated gateway, whatever host the invitation names.
        m.put("sip.outbound-proxy", gateway.hostPort());
        m.put("sip.tls.trust-file", caFile.toString());
        // The gateway opens its own TLS connection to the room for BYE and re-INVITE: the room needs a certificate.
        SimPki.Issued roomCert = pki.issueServer("room" + roomNumber + "." + DOMAIN);
        Path certFile = writeFile(workDir.resolve("room" + roomNumber + "-sip.pem"), roomCert.certificatePem(), false);
        Path keyFile = writeFile(workDir.resolve("room" + roomNumber + "-sip.key"), roomCert.keyPem(), true);
        m.put("sip.tls.certificate-file", certFile.toString());
        m.put("sip.tls.key-file", keyFile.toString());
        RoomBroker b = broker;
        if (b != null) {
            Path cert = b.issueDevice(deviceSerial);
            m.put("mqtt.broker-url", b.url());
            m.put("mqtt.ca-file", b.caFile().toString());
            m.put("mqtt.client-cert", cert.toString());
            m.put("mqtt.client-key", cert.resolveSibling(deviceSerial + ".key").toString());
            m.put("mqtt.operator-keys", b.operatorPublicKeyFile().toString());
        }
        m.put("webrtc.gateway", "whip");
        m.put("webrtc.gateway-url", webrtcGateway.whipUrl().toString());
        m.put("webrtc.gateway-token", WEBRTC_TOKEN);
        m.put("mdm.enabled", "true");
        m.put("mdm.discovery-url", mdm.discoveryUrl().toString());
        m.put("mdm.upn", roomAccount(roomNumber));
        m.put("mdm.trust-ca-file", caFile.toString());
        return m;
    }

    /** Replaces {@code file} atomically (a killed cloud leaves no torn PEM); keys 0600. */
    private static Path writeFile(Path file, String pem, boolean secret) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, pem.getBytes(StandardCharsets.UTF_8),
                    PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"), p -> { });
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public SimEntra entra() { return entra; }
    public SimGraph graph() { return graph; }
    public SimMdm mdm() { return mdm; }
    public SimGateway gateway() { return gateway; }
    public SimWebRtcGateway webrtcGateway() { return webrtcGateway; }
    /** The webrtc-java peer behind the WebRTC gateway (its native side loads now if no offer has yet). */
    public WebRtcFarEnd webrtcFarEnd() { return farEnd.get(); }
    public SimPki pki() { return pki; }
    public SimTokenAuthority authority() { return authority; }
    public Path caFile() { return caFile; }
    public Path workDir() { return workDir; }
    /** Where the cloud keeps what outlives it (see the class comment). */
    public Path stateDir() { return state.dir(); }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
        webrtcGateway.close();
        farEnd.shutdown();
        gateway.close();
        mdm.close();
        graph.close();
        entra.close();
    }
}
