package io.roomwire.sim.room;

import io.roomwire.agent.Agent;
import io.roomwire.agent.StandardAgent;
import io.roomwire.agent.config.Config;
import io.roomwire.agent.config.ConfigException;
import io.roomwire.agent.config.Settings;
import io.roomwire.core.event.EventSink;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.Device;
import io.roomwire.hal.sim.SimCamera;
import io.roomwire.hal.sim.SimCodec;
import io.roomwire.hal.sim.SimDeviceInfo;
import io.roomwire.hal.sim.SimPeripherals;
import io.roomwire.hal.sim.SimTouchPanel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A whole simulated room: simulated hardware, the simulated cloud services the agent talks to,
 * and a real agent configured against them on loopback. Used by the README's main-job command,
 * by system tests, and (many at once) by the fleet simulation.
 */
public final class SimulatedRoom implements AutoCloseable {

    private final Scheduler scheduler;
    private final SimDeviceInfo info;
    private final SimTouchPanel panel;
    private final SimCodec codec;
    private final Device device;
    private final Agent agent;
    private final EventSink.Hub events = new EventSink.Hub();

    private SimulatedRoom(Builder b) throws ConfigException {
        this.scheduler = b.scheduler;
        this.info = new SimDeviceInfo(b.serial, "Roomwire Sim Room Kit", b.firmware, b.mac, true, false);
        this.panel = new SimTouchPanel();
        SimCamera camera = new SimCamera();
        this.codec = new SimCodec(scheduler);
        this.device = new Device(info, camera, codec, panel, new SimPeripherals(camera));
        Map<String, String> settings = new LinkedHashMap<>();
        if (b.cloud != null && b.adminApprovesFromPanel) {
            String upn = b.cloud.addRoomAccount(b.roomNumber, b.roomName);
            SimCloud cloud = b.cloud;
            // The admin reads the code off this room's panel and approves it as this room's account.
            panel.observe(s -> {
                String code = s.data().get("user_code");
                if (s.kind().equals("device-code") && code != null) {
                    scheduler.schedule(cloud.approveAfter(), () -> cloud.entra().approve(code, upn));
                }
            });
        } else if (b.cloud != null) {
            b.cloud.addRoom(b.roomNumber, b.roomName);
        }
        if (b.cloud != null) {
            settings.putAll(b.cloud.agentSettings(b.serial, b.roomNumber));
        }
        settings.put("agent.state-dir", b.stateDir.toString());
        settings.put("device.name", b.roomName);
        settings.put("device.id", b.serial);
        // Many rooms share one machine in tests and fleets: any free port unless the caller picks one.
        settings.put("panel.http-port", "0");
        settings.putAll(b.overrides);
        StringBuilder text = new StringBuilder();
        settings.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Config config = Config.parse("(simulated room)", text.toString(), Map.of(), Settings.all());
        this.agent = StandardAgent.build(config, device, scheduler, events);
    }

    public static Builder builder() {
        return new Builder();
    }

    public void start() {
        agent.start();
    }

    public Agent agent() {
        return agent;
    }

    public SimTouchPanel panel() {
        return panel;
    }

    /** The touch panel's web page around the simulated panel (on unless {@code panel.http-enabled = false}). */
    public java.util.Optional<io.roomwire.hal.web.WebTouchPanel> webPanel() {
        return agent.device().panel() instanceof io.roomwire.hal.web.WebTouchPanel w
                ? java.util.Optional.of(w) : java.util.Optional.empty();
    }

    /** The room's media engine: its {@link SimCodec#onSpeaker speaker} plays the far end's audio of every call. */
    public SimCodec codec() {
        return codec;
    }

    public SimDeviceInfo deviceInfo() {
        return info;
    }

    public EventSink.Hub events() {
        return events;
    }

    public String view() {
        return RoomView.render(agent.status(), panel.current(), panel.currentBanner());
    }

    @Override
    public void close() {
        agent.stop();
    }

    public static final class Builder {
        private Scheduler scheduler;
        private Path stateDir;
        private String serial = "RW-SIM-0401";
        private String roomName = "Room 401";
        private String roomNumber = "401";
        private SimCloud cloud;
        private String firmware = "1.4.0";
        private String mac = "02:00:5e:10:04:01";
        private final Map<String, String> overrides = new LinkedHashMap<>();
        private boolean adminApprovesFromPanel;

        public Builder scheduler(Scheduler s) { this.scheduler = s; return this; }
        public Builder stateDir(Path p) { this.stateDir = p; return this; }
        public Builder serial(String s) { this.serial = s; return this; }
        public Builder roomName(String n) { this.roomName = n; return this; }
        /** The room number: its account is room{number}@contoso.example. */
        public Builder roomNumber(String n) { this.roomNumber = n; return this; }
        /** The simulated cloud to sign in to and talk to; without one the agent runs cloud-less. */
        public Builder cloud(SimCloud c) { this.cloud = c; return this; }
        public Builder firmware(String f) { this.firmware = f; return this; }
        public Builder mac(String m) { this.mac = m; return this; }
        /**
         * The simulated admin approves the code this room's panel shows, as this room's account
         * (instead of the cloud's one auto-approved account): many rooms signing in at once.
         */
        public Builder adminApprovesFromPanel() { this.adminApprovesFromPanel = true; return this; }
        /** Extra agent settings (key = value as in the properties file). */
        public Builder set(String key, String value) { overrides.put(key, value); return this; }

        public SimulatedRoom build() throws ConfigException {
            java.util.Objects.requireNonNull(scheduler, "scheduler");
            java.util.Objects.requireNonNull(stateDir, "stateDir");
            return new SimulatedRoom(this);
        }
    }

    /** Names of the services the agent runs, in start order. */
    public List<String> services() {
        return agent.startOrder();
    }
}
