package io.roomwire.provisioning.mdm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.roomwire.hal.sim.SimDeviceInfo;
import io.roomwire.provisioning.mdm.ComplianceReport;
import io.roomwire.provisioning.mdm.CompliancePolicy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DmTreeTest {

    private final SimDeviceInfo device = new SimDeviceInfo("S1", "Bar", "1.2", "02:00:5E:00:00:01", true, false);
    private final PolicyState policy = new PolicyState();
    private final boolean[] unenroll = {false};
    private final DmTree tree = DeviceTree.build(device, "DEV1", "Prov", "Room 1", policy, () -> Optional.of(Duration.ofMinutes(3)),
            Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC), new DeviceTree.Hooks() {
                @Override
                public ComplianceReport evaluate() {
                    return ComplianceReport.of(List.of(), Instant.EPOCH);
                }

                @Override
                public void unenrollRequested() {
                    unenroll[0] = true;
                }
            });

    @Test
    void readsLiveDeviceState() {
        assertEquals(new DmTree.Value(200, "chr", "1.2"), tree.get("./DevDetail/FwV"));
        device.setFirmwareVersion("1.4");
        assertEquals("1.4", tree.get("DevDetail/SwV").data());
        assertEquals("1", tree.get("./Vendor/MSFT/DeviceStatus/Compliance/EncryptionCompliance").data());
        assertEquals("2026-03-01T10:00:00Z", tree.get("./DevDetail/Ext/Microsoft/LocalTime").data());
        assertEquals("3", tree.get("./Vendor/Roomwire/State/CalendarStalenessMinutes").data());
        assertEquals(new DmTree.Value(200, "node", "DevDetail/DevInfo/Vendor"), tree.get("."));
        assertEquals(404, tree.get("./DevDetail/Nope").status());
        assertEquals(404, tree.get("./DevDetail/../DevInfo/DevId").status());
    }

    @Test
    void policyNodesAreWritableValidatedAndDeletable() {
        assertEquals(200, tree.replace("./Vendor/Roomwire/Policy/MinimumFirmware", "1.4"));
        assertEquals(200, tree.replace("./Vendor/Roomwire/Policy/RequireEncryption", "1"));
        assertEquals(500, tree.replace("./Vendor/Roomwire/Policy/BlockDebugMode", "maybe"));
        assertEquals(500, tree.replace("./Vendor/Roomwire/Policy/MaxCalendarStalenessMinutes", "-5"));
        assertEquals(new CompliancePolicy(Optional.of("1.4"), true, false, Optional.empty()), policy.policy());
        assertTrue(policy.takeDirty());
        assertFalse(policy.takeDirty());
        assertEquals(418, tree.add("./Vendor/Roomwire/Policy/MinimumFirmware", "1.5"));
        assertEquals(200, tree.delete("./Vendor/Roomwire/Policy/MinimumFirmware"));
        assertEquals(404, tree.delete("./Vendor/Roomwire/Policy/MinimumFirmware"));
        assertEquals(404, tree.add("./Vendor/Roomwire/Policy/NewThing", "1"));
        assertEquals(405, tree.delete("./Vendor/Roomwire/Policy"));
    }

    @Test
    void readOnlyAndExecRulesGive405() {
        assertEquals(405, tree.replace("./DevInfo/DevId", "X"));
        assertEquals(405, tree.delete("./DevDetail/FwV"));
        assertEquals(405, tree.exec("./DevDetail/FwV", Optional.empty()));
        assertEquals(405, tree.get("./Vendor/Roomwire/Actions/EvaluateCompliance").status());
        assertEquals(404, tree.exec("./Vendor/MSFT/DMClient/Provider/Other/Unenroll", Optional.empty()));
        assertFalse(unenroll[0]);
        assertEquals(200, tree.exec("./Vendor/MSFT/DMClient/Provider/Prov/Unenroll", Optional.empty()));
        assertTrue(unenroll[0]);
    }
}
