package io.roomwire.agent.mgmt.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FleetCtlTest {

    static final Instant NOW = Instant.parse("2026-01-05T10:00:00Z");

    /** A status as the agent (AgentRoomControl + ManagementService) publishes it. */
    static JsonObject status(String id, boolean online, String version, String call, boolean compliant, String health) {
        return JsonParser.parseString("{\"online\":" + online + ",\"deviceId\":\"" + id + "\",\"version\":\"" + version
                + "\",\"time\":\"2026-01-05T09:58:00Z\",\"call\":{\"state\":\"" + call + "\"},"
                + "\"compliance\":{\"state\":\"" + (compliant ? "compliant" : "non_compliant") + "\",\"compliant\":"
                + compliant + ",\"reasons\":\"\",\"enrolled\":true},\"health\":{\"sip\":\"UP\",\"mdm\":\"" + health + "\"}}")
                .getAsJsonObject();
    }

    static String table(Map<String, JsonObject> statuses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FleetCtl.printTable(statuses, NOW, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void showsTheCallStateAndComplianceExactlyAsTheRoomReportsThem() {
        Map<String, JsonObject> m = new TreeMap<>(Map.of("RW-1", status("RW-1", true, "0.1.0", "connected", true, "UP")));
        String row = table(m).lines().filter(l -> l.startsWith("RW-1")).findFirst().orElseThrow();
        assertTrue(row.contains(" connected ") && row.contains(" compliant ") && row.contains(" healthy "), row);
    }

    @Test
    void readsTheComplianceFlagOfAgentsWithoutAState() {
        JsonObject old = JsonParser.parseString("{\"online\":true,\"compliance\":{\"compliant\":false,\"reasons\":\"firmware\"}}")
                .getAsJsonObject();
        assertEquals("non_compliant", FleetCtl.compliance(old));
        assertEquals("not_configured", FleetCtl.compliance(JsonParser.parseString(
                "{\"compliance\":{\"state\":\"not_configured\"}}").getAsJsonObject()));
    }

    @Test
    void aLongVersionKeepsEveryColumnAligned() {
        Map<String, JsonObject> m = new TreeMap<>();
        m.put("RW-1", status("RW-1", true, "0.1.0", "idle", true, "UP"));
        m.put("RW-2", status("RW-2", true, "0.1.0-SNAPSHOT+build.20260105.abcdef0123456789-dirty", "connected", false, "UP"));
        m.put("RW-3", status("RW-3", false, "0.1.0", "idle", true, "UP"));
        List<String> lines = table(m).lines().toList();
        int call = lines.get(0).indexOf("CALL");
        int compliance = lines.get(0).indexOf("COMPLIANCE");
        for (String l : lines.subList(1, 4)) {
            assertTrue(l.charAt(call - 1) == ' ' && l.charAt(call) != ' ', "CALL column moved:\n" + String.join("\n", lines));
            assertTrue(l.charAt(compliance - 1) == ' ' && l.charAt(compliance) != ' ', "COMPLIANCE moved:\n" + String.join("\n", lines));
        }
        assertTrue(lines.get(2).contains("~"), "a version longer than the column is cut: " + lines.get(2));
    }

    @Test
    void healthComesFromOnlineAndTheWorstService() {
        assertEquals(FleetCtl.RoomHealth.HEALTHY, FleetCtl.RoomHealth.of(status("a", true, "1", "idle", true, "UP")));
        assertEquals(FleetCtl.RoomHealth.DEGRADED, FleetCtl.RoomHealth.of(status("a", true, "1", "idle", true, "DEGRADED(slow)")));
        assertEquals(FleetCtl.RoomHealth.DOWN, FleetCtl.RoomHealth.of(status("a", true, "1", "idle", true, "DOWN(503)")));
        assertEquals(FleetCtl.RoomHealth.OFFLINE, FleetCtl.RoomHealth.of(status("a", false, "1", "idle", true, "UP")));
        assertEquals("2 min ago", FleetCtl.lastSeen(status("a", false, "1", "idle", true, "UP"), NOW));
    }

    @Test
    void selectsByHealthAndDeviceGlob() {
        Map<String, JsonObject> m = new TreeMap<>();
        m.put("RW-B1-1", status("RW-B1-1", true, "1", "idle", true, "UP"));
        m.put("RW-B1-2", status("RW-B1-2", true, "1", "idle", true, "DOWN(x)"));
        m.put("RW-B2-1", status("RW-B2-1", true, "1", "idle", true, "DOWN(x)"));
        Set<String> down = FleetCtl.select(m, EnumSet.of(FleetCtl.RoomHealth.DOWN), Optional.empty()).keySet();
        assertEquals(Set.of("RW-B1-2", "RW-B2-1"), down);
        assertEquals(Set.of("RW-B1-2"), FleetCtl.select(m, EnumSet.of(FleetCtl.RoomHealth.DOWN), Optional.of("RW-B1-*")).keySet());
        assertEquals(3, FleetCtl.select(m, EnumSet.noneOf(FleetCtl.RoomHealth.class), Optional.empty()).size());
    }

    @Test
    void controlCharactersInARemoteStatusDoNotReachTheTerminal() {
        assertEquals("1.0?[2J", FleetCtl.fit("1.0\u001b[2J"));
    }
}
