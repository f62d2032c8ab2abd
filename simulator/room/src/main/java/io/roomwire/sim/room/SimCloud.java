package io.roomwire.sim.room;

import io.roomwire.sim.cloud.SimPki;
import io.roomwire.sim.cloud.SimTokenAuthority;
import io.roomwire.sim.cloud.entra.SimEntra;
import io.roomwire.sim.cloud.graph.DemoMeetings;
import io.roomwire.sim.cloud.graph.SimGraph;
import io.roomwire.sim.cloud.mdm.SimMdm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneId;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The simulated cloud services a room's agent talks to, started on loopback with real protocols,
 * and the agent settings that point an agent at them. One instance can serve a whole fleet.
 */
public final class SimCloud implements AutoCloseable {

    public static final String TENANT_ID = "4b6f8a9e-2d3c-4e5f-9a1b-3c5d7e9f1a2b";
    public static final String DOMAIN = "contoso.example";

    private final Path workDir;
    private final SimPki pki;
    private final SimTokenAuthority authority;
    private final SimEntra entra;
    private final SimGraph graph;
    private final SimMdm mdm;
    private final Clock clock;
    private final Path caFile;
    private final Duration approveAfter;

    private SimCloud(Path workDir, Clock clock, Duration approveAfter) {
        this.workDir = workDir;
        this.pki = new SimPki("Roomwire Sim Cloud");
        this.caFile = pki.writeCaPem(workDir.resolve("sim-cloud-ca.pem"));
        this.authority = new SimTokenAuthority(TENANT_ID, clock);
        this.entra = SimEntra.https(authority, pki);
        this.clock = clock;
        try {
            // Plain http is accepted by the agent for loopback hosts only; real Graph is https.
            this.graph = new SimGraph(authority, clock).start();
        } catch (IOException e) {
            entra.close();
            throw new UncheckedIOException("Cannot start the simulated Graph", e);
        }
        // Conditional access: Entra refuses to refresh tokens of a device the MDM marks non-compliant.
        this.mdm = new SimMdm(authority, pki).setPolicy(SimMdm.Policy.none().withMinimumFirmware("1.4")
                .withRequireEncryption(true).withBlockDebugMode(true));
        entra.setComplianceGate(mdm::nonComplianceReason);
        this.approveAfter = approveAfter;
    }

    /** Starts every simulated service; files (the CA certificate) go under {@code workDir}. */
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
        String upn = roomAccount(roomNumber);
        entra.addUser(upn, displayName);
        entra.autoApproveAfter(approveAfter, upn);
        graph.addMailbox(upn);
        return upn;
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
        m.put("mdm.enabled", "true");
        m.put("mdm.discovery-url", mdm.discoveryUrl().toString());
        m.put("mdm.upn", roomAccount(roomNumber));
        m.put("mdm.trust-ca-file", caFile.toString());
        return m;
    }

    public SimEntra entra() { return entra; }
    public SimGraph graph() { return graph; }
    public SimMdm mdm() { return mdm; }
    public SimPki pki() { return pki; }
    public SimTokenAuthority authority() { return authority; }
    public Path caFile() { return caFile; }
    public Path workDir() { return workDir; }

    @Override
    public void close() {
        mdm.close();
        graph.close();
        entra.close();
    }
}
