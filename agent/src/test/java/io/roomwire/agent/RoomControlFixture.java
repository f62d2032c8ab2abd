package io.roomwire.agent;

import io.roomwire.agent.call.Calls;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.mdm.DeviceManagement;
import io.roomwire.agent.panel.RoomPanel;
import io.roomwire.agent.signin.SignIn;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.store.FileStore;
import io.roomwire.core.time.VirtualScheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.sim.SimDevice;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The part of the agent an operator's config change goes through, wired as StandardAgent wires it on a
 * simulated device: {@link AgentRoomControl} over sign-in, meetings, MDM and the calls {@code calls} makes
 * for the device. For tests of settings that apply without a restart.
 */
record RoomControlFixture(Device device, FileStore store, Calls calls, MeetingRoom meetings, AgentRoomControl control) {

    /** {@code file}: the configuration file {@code config} was read from (a change is saved there). */
    static RoomControlFixture build(Config config, Path file, Path stateDir, VirtualScheduler time, Function<Device, Calls> calls) {
        Device device = SimDevice.create(time, SimDevice.defaultInfo());
        FileStore store = new FileStore(stateDir, time.clock());
        Calls c = calls.apply(device);
        RoomPanel panel = new RoomPanel(device.panel(), time, c::current);
        SignIn signIn = new SignIn(config, store, time, EventSink.none(), panel, io.roomwire.core.health.AfterStart.open());
        MeetingRoom meetings = new MeetingRoom(config, time, store, EventSink.none(), signIn, panel, (t, next) -> { },
                io.roomwire.core.health.AfterStart.open());
        DeviceManagement mdm = new DeviceManagement(config, time, store, EventSink.none(), device.info(), panel::banner,
                signIn::identity, Optional::empty, Optional::empty, io.roomwire.core.health.AfterStart.open());
        AgentRoomControl control = new AgentRoomControl(config, time, device, Map::of, signIn, c, meetings, mdm,
                Optional.of(file), reason -> { });
        return new RoomControlFixture(device, store, c, meetings, control);
    }
}
