package io.roomwire.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.call.JoinPaths;
import io.roomwire.agent.call.SipAgentSettings;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigProblem;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.obtp.ObtpSettings;
import io.roomwire.agent.obtp.ObtpSettings.CviProvider;
import io.roomwire.agent.panel.RoomPanel;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.sim.SimDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload of the config file (SIGHUP) applies changed live settings through the applier
 * {@code config.set} uses, reports restart-only ones as pending, refuses a bad file without
 * changing anything, and keeps environment overrides on top.
 */
class ConfigReloadTest {

    @TempDir
    Path dir;

    private final VirtualScheduler time = new VirtualScheduler(Instant.parse("2026-01-05T09:00:00Z"));
    private final List<DeviceEvent> events = new CopyOnWriteArrayList<>();
    private Path file;
    private AgentRoomControl control;
    private MeetingRoom meetings;
    private ConfigReload reload;

    /** A room running on {@code text} (and {@code env}), its meeting list started. */
    private void givenRoomRunningOn(String text, Map<String, String> env) throws Exception {
        file = dir.resolve("roomwire.properties");
        Files.writeString(file, base() + text);
        Config config = Config.load(file, env);
        Device device = SimDevice.create(time, SimDevice.defaultInfo());
        FileStore store = new FileStore(dir.resolve("state"), time.clock());
        Calls calls = JoinPaths.sip(SipAgentSettings.from(config), time, EventSink.none(), device.codec());
        RoomPanel panel = new RoomPanel(device.panel(), time, calls::current);
        SignIn signIn = new SignIn(config, store, time, EventSink.none(), panel, io.roomwire.core.health.AfterStart.open());
        meetings = new MeetingRoom(config, time, store, EventSink.none(), signIn, panel, (t, next) -> { },
                io.roomwire.core.health.AfterStart.open());
        DeviceManagement mdm = new DeviceManagement(config, time, store, EventSink.none(), device.info(), panel::banner,
                signIn::identity, Optional::empty, Optional::empty, io.roomwire.core.health.AfterStart.open());
        control = new AgentRoomControl(config, time, device, Map::of, signIn, calls, meetings, mdm, Optional.of(file),
                reason -> { });
        reload = new ConfigReload(file, env, time, events::add, config, control::config, control::apply);
        meetings.obtp().start();
    }

    private String base() {
        return "agent.state-dir = " + dir.resolve("state") + "\n";
    }

    private void editFile(String text) throws Exception {
        Files.writeString(file, base() + text);
    }

    private DeviceEvent lastEvent(String type) {
        return events.stream().filter(e -> e.type().equals(type)).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no " + type + " event in " + events));
    }

    @Test
    void aChangedDialTemplateReachesTheMeetingListOnReloadWithoutWritingTheFile() throws Exception {
        givenRoomRunningOn("obtp.cvi-provider = cisco\n", Map.of());
        String edited = "obtp.cvi-provider = cisco\nobtp.template.cisco.direct = sip:{id}.{tenant}@edge.{domain}\n"
                + "obtp.preroll = 12m\n";
        editFile(edited);
        List<Config> applied = new CopyOnWriteArrayList<>();
        control.onApplied(applied::add);

        reload.request();
        assertEquals(ObtpSettings.CISCO_DIRECT.defaultText(), meetings.obtp().settings().templates(CviProvider.CISCO).direct(),
                "the signal handler only hands the reload to the scheduler");
        time.runDue();

        ObtpSettings now = meetings.obtp().settings();
        assertEquals("sip:{id}.{tenant}@edge.{domain}", now.templates(CviProvider.CISCO).direct());
        assertEquals(Duration.ofMinutes(12), now.preroll());
        assertEquals("sip:{id}.{tenant}@edge.{domain}", control.config().toMaskedMap().get("obtp.template.cisco.direct"),
                "config.get shows the reloaded value");
        assertEquals(List.of(control.config()), applied, "the management service is told once, as on config.set");
        DeviceEvent e = lastEvent("config.reloaded");
        assertEquals("obtp.preroll,obtp.template.cisco.direct", e.attributes().get("applied"));
        assertEquals("", e.attributes().get("pendingRestart"));
        assertEquals(base() + edited, Files.readString(file), "a reload never writes the file");
    }

    @Test
    void aBadFileKeepsTheConfigurationInForceAndReportsEveryProblemWithItsLine() throws Exception {
        givenRoomRunningOn("obtp.preroll = 5m\n", Map.of());
        Config before = control.config();
        editFile("obtp.preroll = 20m\nobtp.grace = soon\nobtp.templat.cisco.direct = sip:{id}@x\n");

        ConfigReload.Outcome o = reload.reload();

        assertFalse(o.ok());
        List<String> problems = o.problems().stream().map(ConfigProblem::toString).toList();
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith(file + ":3: obtp.grace"), problems.get(0));
        assertTrue(problems.get(1).startsWith(file + ":4: obtp.templat.cisco.direct: unknown key"), problems.get(1));
        assertEquals(Duration.ofMinutes(5), meetings.obtp().settings().preroll(), "the good line is not applied either");
        assertTrue(before == control.config(), "the configuration in force is unchanged");
        DeviceEvent e = lastEvent("config.reload_failed");
        assertEquals(2, e.attributes().get("count"));
        assertTrue(e.attributes().get("problems").toString().contains(":4: obtp.templat.cisco.direct"), e.toString());
        assertTrue(events.stream().noneMatch(x -> x.type().equals("config.reloaded")), events.toString());

        editFile("obtp.preroll = 20m\n");
        assertTrue(reload.reload().ok(), "a fixed file reloads");
        assertEquals(Duration.ofMinutes(20), meetings.obtp().settings().preroll());
    }

    @Test
    void aRestartOnlySettingIsReportedPendingUntilARestart() throws Exception {
        givenRoomRunningOn("", Map.of());
        editFile("sip.user = lobby\nobtp.grace = 3m\nsip.password = hunter2\n");

        ConfigReload.Outcome first = reload.reload();
        assertEquals(List.of("obtp.grace"), first.applied());
        assertEquals(List.of("sip.password", "sip.user"), first.pendingRestart(), "a changed secret counts too");
        DeviceEvent e = lastEvent("config.reloaded");
        assertEquals("sip.password,sip.user", e.attributes().get("pendingRestart"));
        assertFalse(e.toString().contains("hunter2"), "keys only, never a value: " + e);

        ConfigReload.Outcome again = reload.reload();
        assertEquals(List.of(), again.applied(), "nothing new to apply");
        assertEquals(List.of("sip.password", "sip.user"), again.pendingRestart(), "still waiting for a restart");
    }

    @Test
    void anEnvironmentOverrideStillWinsOverTheReloadedFile() throws Exception {
        Map<String, String> env = Map.of("ROOMWIRE_OBTP_CVI_DOMAIN", "video.env.example");
        givenRoomRunningOn("obtp.cvi-domain = video.file.example\n", env);
        assertEquals(Optional.of("video.env.example"), meetings.obtp().settings().cviDomain());
        editFile("obtp.cvi-domain = video.edited.example\nobtp.cvi-tenant-key = 778899\n");

        ConfigReload.Outcome o = reload.reload();

        assertEquals(List.of("obtp.cvi-tenant-key"), o.applied());
        assertEquals(Optional.of("video.env.example"), meetings.obtp().settings().cviDomain());
        assertEquals(Optional.of("778899"), meetings.obtp().settings().cviTenantKey());
        assertTrue(control.config().fromEnvironment("obtp.cvi-domain"));
    }
}
