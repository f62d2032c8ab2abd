package io.roomwire.provisioning.mdm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.roomwire.hal.linux.LinuxDevice;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** DevDetail and DeviceStatus answer what the Linux hardware layer read, not simulated values. */
class MdmLinuxDeviceTest {

    private static final Path TREES = Path.of("..", "device-hal-linux", "src", "test", "resources", "linux");
    private static final String STATUS = "./Vendor/MSFT/DeviceStatus/";

    private MdmRig rig;

    @BeforeEach
    void setUp() throws Exception {
        rig = new MdmRig();
    }

    @AfterEach
    void tearDown() throws Exception {
        rig.close();
    }

    private Map<String, String> askFor(String tree, String mac, String... nodes) throws Exception {
        rig.hardware = LinuxDevice.create(TREES.resolve(tree), rig.scheduler, e -> { }, LinuxDevice.Options.defaults()).info();
        MdmService s = rig.started();
        for (String n : nodes) {
            rig.mdm.enqueue(rig.deviceId(), "Get", n, Optional.empty());
        }
        rig.mdm.enqueue(rig.deviceId(), "Get", STATUS + "NetworkIdentifiers/" + mac + "/MACAddress", Optional.empty());
        CheckInResult r = s.checkInNow();
        assertEquals(CheckInResult.Outcome.OK, r.outcome(), r.message());
        return rig.simDevice().reported();
    }

    @Test
    void theRoomPcReportsItsSmbiosImageEncryptionAndSecureBoot() throws Exception {
        Map<String, String> got = askFor("roompc", "48210B5A3C7E", "./DevDetail/SwV", "./DevDetail/OEM",
                "./DevDetail/DevTyp", "./DevDetail/HwV", STATUS + "Compliance/EncryptionCompliance",
                STATUS + "SecureBootState", STATUS + "OS/Edition", "./Vendor/Roomwire/State/DebugEnabled");
        assertEquals("2.3.1", got.get("./DevDetail/SwV"));
        assertEquals("Intel(R) Client Systems", got.get("./DevDetail/OEM"));
        assertEquals("NUC12WSKi5", got.get("./DevDetail/DevTyp"));
        assertEquals("M46425-302", got.get("./DevDetail/HwV"));
        assertEquals("1", got.get(STATUS + "Compliance/EncryptionCompliance"));
        assertEquals("1", got.get(STATUS + "SecureBootState"));
        assertEquals("Roomwire OS 2.3.1 (Debian 12 \"bookworm\")", got.get(STATUS + "OS/Edition"));
        assertEquals("48:21:0b:5a:3c:7e", got.get(STATUS + "NetworkIdentifiers/48210B5A3C7E/MACAddress"));
        assertEquals("false", got.get("./Vendor/Roomwire/State/DebugEnabled"));
        assertEquals("Intel(R) Client Systems", got.get("./DevInfo/Man"));
    }

    @Test
    void theArmBoardReportsNoEncryptionNoSecureBootAndDebugBecauseOfSsh() throws Exception {
        Map<String, String> got = askFor("armboard", "DCA632010204", STATUS + "Compliance/EncryptionCompliance",
                STATUS + "SecureBootState", "./Vendor/Roomwire/State/DebugEnabled", "./DevDetail/DevTyp");
        assertEquals("0", got.get(STATUS + "Compliance/EncryptionCompliance"));
        assertEquals("2", got.get(STATUS + "SecureBootState"));
        assertEquals("true", got.get("./Vendor/Roomwire/State/DebugEnabled"));
        assertEquals("Raspberry Pi 4 Model B Rev 1.4", got.get("./DevDetail/DevTyp"));
        assertEquals("dc:a6:32:01:02:04", got.get(STATUS + "NetworkIdentifiers/DCA632010204/MACAddress"));
    }
}
