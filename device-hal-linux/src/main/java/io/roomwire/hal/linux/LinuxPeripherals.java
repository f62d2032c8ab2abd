package io.roomwire.hal.linux;

import io.roomwire.core.event.DeviceEvent;
import io.roomwire.core.event.EventSink;
import io.roomwire.hal.PeripheralStatus;
import io.roomwire.hal.PeripheralStatus.State;
import io.roomwire.hal.Peripherals;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.tinylog.Logger;

/**
 * The room's peripherals as sysfs and procfs show them. {@link #poll()} looks again (the device
 * calls it on the scheduler) and reports what appeared or went away as {@code peripheral.added} /
 * {@code peripheral.removed} events; {@link #status()} answers from the last look without I/O.
 */
public final class LinuxPeripherals implements Peripherals {

    private final HostFiles files;
    private final EventSink events;
    private final Clock clock;
    private volatile Inventory inventory;
    private volatile List<PeripheralStatus> status;

    LinuxPeripherals(HostFiles files, EventSink events, Clock clock) {
        this.files = files;
        this.events = events;
        this.clock = clock;
        this.inventory = Inventory.scan(files);
        this.status = toStatus(inventory);
    }

    private volatile java.util.function.Supplier<java.util.Optional<PeripheralStatus>> mediaEngine;

    @Override
    public List<PeripheralStatus> status() {
        java.util.function.Supplier<java.util.Optional<PeripheralStatus>> m = mediaEngine;
        java.util.Optional<PeripheralStatus> failed = m == null ? java.util.Optional.empty() : m.get();
        if (failed.isEmpty()) {
            return status;
        }
        List<PeripheralStatus> all = new java.util.ArrayList<>(status);
        all.add(failed.get());
        return List.copyOf(all);
    }

    /** Adds the media engine's failure (pipeline error, missing element), while there is one, to {@link #status()}. */
    void mediaEngine(java.util.function.Supplier<java.util.Optional<PeripheralStatus>> engine) {
        this.mediaEngine = engine;
    }

    /** Why each kind of peripheral was not found at the last look ({@code camera}, {@code microphone}, ...). */
    public Map<String, String> absentReasons() {
        return inventory.absent();
    }

    /** The first camera's sysfs node ({@code video0}) and label, if there is one. */
    public java.util.Optional<Inventory.Found> camera() {
        return inventory.of(Inventory.CAMERA).stream().findFirst();
    }

    /** Looks again and emits an event per peripheral that appeared or went away. */
    public synchronized void poll() {
        Inventory before = inventory;
        Inventory now = Inventory.scan(files);
        inventory = now;
        status = toStatus(now);
        Map<String, Inventory.Found> old = byKey(before);
        Map<String, Inventory.Found> cur = byKey(now);
        for (Inventory.Found f : old.values()) {
            if (!cur.containsKey(f.key())) {
                emit("peripheral.removed", f);
            }
        }
        for (Inventory.Found f : cur.values()) {
            if (!old.containsKey(f.key())) {
                emit("peripheral.added", f);
            }
        }
    }

    private void emit(String type, Inventory.Found f) {
        Logger.info("{}: {} {} {}", type, f.kind(), f.id(), f.detail());
        events.emit(DeviceEvent.of(type, clock.instant(), "kind", f.kind(), "id", f.id(), "name", f.name(),
                "detail", f.detail()));
    }

    private static Map<String, Inventory.Found> byKey(Inventory inv) {
        Map<String, Inventory.Found> m = new LinkedHashMap<>();
        inv.found().forEach(f -> m.put(f.key(), f));
        return m;
    }

    private static List<PeripheralStatus> toStatus(Inventory inv) {
        List<PeripheralStatus> out = new ArrayList<>();
        out.add(role(inv, "camera", "camera", inv.of(Inventory.CAMERA)));
        List<Inventory.Found> audio = inv.of(Inventory.AUDIO);
        out.add(role(inv, "microphone", "audio-in", audio.stream().filter(Inventory.Found::capture).toList()));
        out.add(role(inv, "speaker", "audio-out", audio.stream().filter(Inventory.Found::playback).toList()));
        out.add(role(inv, "display", "display", inv.of(Inventory.DISPLAY)));
        inv.temperature().ifPresent(t -> out.add(temperature(t)));
        for (Inventory.Found u : inv.of(Inventory.USB)) {
            out.add(new PeripheralStatus("usb " + u.id(), "usb", State.OK, u.detail()));
        }
        return List.copyOf(out);
    }

    private static PeripheralStatus role(Inventory inv, String name, String kind, List<Inventory.Found> devices) {
        if (devices.isEmpty()) {
            return new PeripheralStatus(name, kind, State.ABSENT, inv.absent().getOrDefault(name, "none found"));
        }
        return new PeripheralStatus(name, kind, State.OK,
                devices.stream().map(Inventory.Found::detail).collect(Collectors.joining("; ")));
    }

    private static PeripheralStatus temperature(Inventory.Temperature t) {
        State s = t.criticalMilliC().filter(c -> t.milliC() >= c).isPresent() ? State.FAILED
                : t.milliC() >= t.warnAtMilliC() ? State.WARNING : State.OK;
        String detail = String.format(Locale.ROOT, "%.1f °C (%s, %s; warns at %.1f °C%s)", t.milliC() / 1000.0, t.type(),
                t.zone(), t.warnAtMilliC() / 1000.0,
                t.criticalMilliC().map(c -> String.format(Locale.ROOT, ", critical at %.1f °C", c / 1000.0)).orElse(""));
        return new PeripheralStatus("temperature", "temperature", s, detail);
    }
}
