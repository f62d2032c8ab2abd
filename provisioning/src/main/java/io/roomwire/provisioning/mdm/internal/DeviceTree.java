package io.roomwire.provisioning.mdm.internal;

import io.roomwire.hal.DeviceInfo;
import io.roomwire.provisioning.mdm.ComplianceReport;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The device's management tree: {@code ./DevInfo}, {@code ./DevDetail},
 * {@code ./Vendor/MSFT/DeviceStatus}, {@code ./Vendor/MSFT/DMClient/Provider/{id}/Unenroll} and
 * the room nodes under {@code ./Vendor/Roomwire} (State, Policy, Actions), all read live from the HAL.
 */
public final class DeviceTree {

    public static final String POLICY = "./Vendor/Roomwire/Policy/";
    public static final String STATE = "./Vendor/Roomwire/State/";
    public static final String EVALUATE = "./Vendor/Roomwire/Actions/EvaluateCompliance";

    /** What the tree needs from the service. */
    public interface Hooks {
        /** Compliance evaluated now against the current policy. */
        ComplianceReport evaluate();

        /** The server asked to unenroll; acted on when the session ends. */
        void unenrollRequested();
    }

    private DeviceTree() {
    }

    public static DmTree build(DeviceInfo d, String deviceId, String providerId, String deviceName, PolicyState policy,
                               Supplier<Optional<Duration>> calendarStaleness, Clock clock, Hooks hooks) {
        DmTree t = new DmTree();
        for (String[] kv : devInfo(d, deviceId)) {
            t.leaf("./DevInfo/" + kv[0], "chr", () -> kv[1]);
        }
        t.leaf("./DevDetail/SwV", "chr", d::firmwareVersion)
                .leaf("./DevDetail/FwV", "chr", d::firmwareVersion)
                .leaf("./DevDetail/HwV", "chr", d::hardwareVersion)
                .leaf("./DevDetail/OEM", "chr", d::manufacturer)
                .leaf("./DevDetail/DevTyp", "chr", d::model)
                .leaf("./DevDetail/Ext/Microsoft/DeviceName", "chr", () -> deviceName)
                .leaf("./DevDetail/Ext/Microsoft/LocalTime", "chr",
                        () -> DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(clock.instant().atZone(clock.getZone())));
        String status = "./Vendor/MSFT/DeviceStatus/";
        String mac = d.macAddress().replace(":", "").toUpperCase(Locale.ROOT);
        t.leaf(status + "Compliance/EncryptionCompliance", "int", () -> d.storageEncrypted() ? "1" : "0")
                .leaf(status + "SecureBootState", "int", () -> d.secureBoot() ? "1" : "2")
                .leaf(status + "OS/Edition", "chr", d::osEdition)
                .leaf(status + "OS/Mode", "int", () -> "0")
                .leaf(status + "NetworkIdentifiers/" + mac + "/MACAddress", "chr", d::macAddress)
                .leaf(status + "NetworkIdentifiers/" + mac + "/Type", "int", () -> "1");
        t.leaf(STATE + "FirmwareVersion", "chr", d::firmwareVersion)
                .leaf(STATE + "DebugEnabled", "bool", () -> Boolean.toString(d.debugEnabled()))
                .leaf(STATE + "StorageEncrypted", "bool", () -> Boolean.toString(d.storageEncrypted()))
                .leaf(STATE + "CalendarStalenessMinutes", "int",
                        () -> calendarStaleness.get().map(x -> Long.toString(x.toMinutes())).orElse("-1"))
                .leaf(STATE + "Compliant", "bool", () -> Boolean.toString(hooks.evaluate().compliant()))
                .leaf(STATE + "ComplianceReasons", "chr", () -> hooks.evaluate().reasons());
        for (String node : PolicyState.NODES) {
            String format = node.startsWith("Require") || node.startsWith("Block") ? "bool"
                    : node.startsWith("Max") ? "int" : "chr";
            t.writable(POLICY + node, format, () -> policy.get(node), v -> policy.set(node, v));
        }
        t.exec(EVALUATE, data -> {
            hooks.evaluate();
            return DmTree.OK;
        });
        t.exec("./Vendor/MSFT/DMClient/Provider/" + providerId + "/Unenroll", data -> {
            hooks.unenrollRequested();
            return DmTree.OK;
        });
        return t;
    }

    /** The {@code ./DevInfo} values sent in the first message of every session. */
    public static String[][] devInfo(DeviceInfo d, String deviceId) {
        return new String[][] {{"DevId", deviceId}, {"Man", d.manufacturer()}, {"Mod", d.model()}, {"DmV", "1.2"},
            {"Lang", "en-US"}};
    }
}
