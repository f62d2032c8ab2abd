package io.roomwire.agent.panel.web;

import io.roomwire.agent.config.Config;
import io.roomwire.core.health.Health;
import io.roomwire.core.health.Service;
import io.roomwire.core.time.Scheduler;
import io.roomwire.hal.DeviceInfo;
import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.TouchPanel;
import io.roomwire.hal.web.AdminSection;
import io.roomwire.hal.web.AdminSection.Row;
import io.roomwire.hal.web.WebTouchPanel;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** The touch panel's web page as a service: listening while the agent runs, DOWN when it cannot bind. */
public final class WebPanelService implements Service {

    private final WebTouchPanel panel;
    private volatile String failure = "not started";

    private WebPanelService(WebTouchPanel panel) {
        this.panel = panel;
    }

    /**
     * The web panel around {@code hardware} when {@code panel.http-enabled}; throws
     * IllegalArgumentException naming the setting when the address is unusable.
     */
    public static Optional<WebPanelService> fromConfig(Config config, TouchPanel hardware, Scheduler scheduler,
                                                       Supplier<List<AdminSection>> admin) {
        if (!config.get(WebPanelSettings.ENABLED)) {
            return Optional.empty();
        }
        String bind = config.get(WebPanelSettings.BIND).trim();
        InetAddress address;
        try {
            if (!bind.matches("[0-9.]+|\\[?[0-9a-fA-F:]+]?")) {
                throw new UnknownHostException("not an IP address");
            }
            address = InetAddress.getByName(bind); // a literal: no DNS lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("panel.http-bind: '" + bind + "' is not an IP address of this machine"
                    + " (use 127.0.0.1, or an interface address together with panel.pairing-pin)");
        }
        try {
            return Optional.of(new WebPanelService(WebTouchPanel.builder(hardware, scheduler)
                    .bind(address)
                    .port(config.get(WebPanelSettings.PORT))
                    .pairingPin(config.find(WebPanelSettings.PAIRING_PIN))
                    .adminPin(config.find(WebPanelSettings.ADMIN_PIN))
                    .adminInfo(admin)
                    .build()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("panel.http-bind: " + e.getMessage());
        }
    }

    public WebTouchPanel panel() {
        return panel;
    }

    @Override
    public String name() {
        return "panel";
    }

    @Override
    public void start() throws Exception {
        try {
            panel.start();
            failure = null;
        } catch (java.io.IOException e) {
            failure = "cannot listen: " + e.getMessage() + "; free the port or change panel.http-port";
            throw new java.io.IOException(failure, e);
        }
    }

    @Override
    public void stop() {
        panel.close();
        failure = "stopped";
    }

    @Override
    public Health health() {
        String f = failure;
        return f == null && panel.running() ? Health.up() : Health.down(f == null ? "not listening" : f);
    }

    /** The admin page: device, network, every service's health, peripherals and version. */
    public static List<AdminSection> adminSections(DeviceInfo info, Map<String, Health> health,
                                                   List<PeripheralStatus> peripherals, String version) {
        List<AdminSection> out = new ArrayList<>();
        out.add(new AdminSection("Device", List.of(
                Row.of("Serial number", info.serialNumber()),
                Row.of("Manufacturer", info.manufacturer()),
                Row.of("Model", info.model()),
                Row.of("Hardware", info.hardwareVersion()),
                Row.of("Firmware", info.firmwareVersion()),
                Row.of("Operating system", info.osEdition()),
                new Row("Storage encrypted", yesNo(info.storageEncrypted()), info.storageEncrypted() ? "ok" : "warning"),
                new Row("Secure Boot", yesNo(info.secureBoot()), info.secureBoot() ? "ok" : "warning"),
                new Row("Debugging", info.debugEnabled() ? "on" : "off", info.debugEnabled() ? "warning" : "ok"))));
        out.add(new AdminSection("Network", network(info)));
        List<Row> services = new ArrayList<>();
        health.forEach((name, h) -> services.add(new Row(name,
                h.state().name() + (h.reason().isEmpty() ? "" : ": " + h.reason()), switch (h.state()) {
                    case UP -> "ok";
                    case DEGRADED -> "warning";
                    case DOWN -> "failed";
                })));
        out.add(new AdminSection("Services", services));
        out.add(new AdminSection("Peripherals", peripherals.stream().map(p -> new Row(p.name() + " (" + p.kind() + ")",
                p.state().name().toLowerCase(Locale.ROOT) + (p.detail().isEmpty() ? "" : ": " + p.detail()), switch (p.state()) {
                    case OK -> "ok";
                    case WARNING -> "warning";
                    case FAILED, ABSENT -> "failed";
                })).toList()));
        out.add(new AdminSection("Version", List.of(Row.of("Roomwire", version),
                Row.of("Java", System.getProperty("java.vm.name") + " " + Runtime.version()))));
        return out;
    }

    private static List<Row> network(DeviceInfo info) {
        List<Row> rows = new ArrayList<>();
        rows.add(Row.of("MAC address", info.macAddress()));
        try {
            for (NetworkInterface n : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (n.isLoopback()) {
                    continue;
                }
                String addrs = n.getInterfaceAddresses().stream().map(InterfaceAddress::getAddress)
                        .map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
                rows.add(new Row(n.getName(), (n.isUp() ? "up" : "down") + (addrs.isEmpty() ? "" : ": " + addrs),
                        n.isUp() ? "ok" : "warning"));
            }
        } catch (SocketException e) {
            rows.add(new Row("Interfaces", "unknown: " + e.getMessage(), "warning"));
        }
        return rows;
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }
}
