package io.roomwire.provisioning.mdm.syncml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SyncMlTest {

    private static SyncMessage parse(String xml) throws SyncMlException {
        return SyncMl.parse(xml.getBytes(StandardCharsets.UTF_8));
    }

    private static final String HDR = "<SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>1A</SessionID>"
            + "<MsgID>3</MsgID><Target><LocURI>DEV1</LocURI></Target><Source><LocURI>https://mdm/x</LocURI></Source></SyncHdr>";

    @Test
    void parsesServerCommandsWithMetaStatusAndNestedAtomic() throws Exception {
        SyncMessage m = parse("<SyncML xmlns=\"SYNCML:SYNCML1.2\">" + HDR + "<SyncBody>"
                + "<Status><CmdID>1</CmdID><MsgRef>2</MsgRef><CmdRef>0</CmdRef><Cmd>SyncHdr</Cmd><Data>200</Data></Status>"
                + "<Get><CmdID>2</CmdID><Item><Target><LocURI>./DevDetail/FwV</LocURI></Target></Item></Get>"
                + "<Atomic><CmdID>3</CmdID><Replace><CmdID>4</CmdID><Item><Target><LocURI>./A</LocURI></Target>"
                + "<Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>5</Data></Item></Replace></Atomic>"
                + "<Final/></SyncBody></SyncML>");

        assertEquals(new SyncHeader("1A", 3, "DEV1", "https://mdm/x"), m.header());
        assertTrue(m.fin());
        assertEquals(200, m.commands().get(0).statusCode());
        assertEquals(2, m.commands().get(0).msgRef());
        assertEquals("SyncHdr", m.commands().get(0).refCmd());
        assertEquals("./DevDetail/FwV", m.commands().get(1).items().get(0).target());
        SyncCommand replace = m.commands().get(2).nested().get(0);
        assertEquals(4, replace.cmdId());
        assertEquals(new SyncItem("./A", "", "int", "", Optional.of("5")), replace.items().get(0));
        assertTrue(m.hasOperations());
    }

    @Test
    void writesWhatItParsesAndEscapesHostileValues() throws Exception {
        String hostile = "</Data></Item><Exec><CmdID>9</CmdID></Exec><!-- & \"'";
        SyncMessage out = new SyncMessage(new SyncHeader("7", 2, "https://mdm/x", "DEV1"), List.of(
                SyncCommand.status(1, 3, 0, "SyncHdr", "DEV1", 200),
                SyncCommand.results(2, 3, 5, List.of(SyncItem.source("./DevDetail/Ext/Microsoft/DeviceName", "chr", hostile)))),
                true);

        byte[] bytes = SyncMl.write(out);
        SyncMessage back = SyncMl.parse(bytes);

        assertEquals(out, back);
        assertFalse(back.hasOperations(), "the hostile value did not become an Exec");
        assertEquals(Optional.of(hostile), back.commands().get(1).items().get(0).data());
    }

    @Test
    void rejectsDoctypeAndExternalEntities() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE SyncML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<SyncML xmlns=\"SYNCML:SYNCML1.2\">" + HDR + "<SyncBody><Alert><CmdID>1</CmdID><Data>&x;</Data></Alert>"
                + "</SyncBody></SyncML>";
        SyncMlException e = assertThrows(SyncMlException.class, () -> parse(xxe));
        assertTrue(e.getMessage().contains("DOCTYPE"), e.getMessage());

        String bomb = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]><a>&b;</a>";
        assertThrows(SyncMlException.class, () -> parse(bomb));
    }

    @Test
    void namesWhatIsWrongWithABrokenMessage() {
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<SyncML><SyncHdr><VerDTD>1.2"))
                .getMessage().contains("not well-formed"));
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<Envelope/>")).getMessage().contains("<Envelope>"));
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<SyncML>" + HDR.replace("DM/1.2", "DM/1.1")
                + "<SyncBody/></SyncML>")).getMessage().contains("DM/1.1"));
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<SyncML>" + HDR + "<SyncBody><Get><Item/></Get>"
                + "</SyncBody></SyncML>")).getMessage().contains("<Get> has no <CmdID>"));
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<SyncML>" + HDR.replace("<MsgID>3", "<MsgID>x3")
                + "<SyncBody/></SyncML>")).getMessage().contains("not a non-negative number"));
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<SyncML>" + HDR + "<SyncBody><Status><CmdID>1</CmdID>"
                + "<CmdRef>0</CmdRef></Status></SyncBody></SyncML>")).getMessage().contains("no status code"));
    }

    @Test
    void refusesDeeplyNestedContainers() {
        String open = "<Atomic><CmdID>1</CmdID>".repeat(8);
        String close = "</Atomic>".repeat(8);
        assertTrue(assertThrows(SyncMlException.class, () -> parse("<SyncML>" + HDR + "<SyncBody>" + open + close
                + "</SyncBody></SyncML>")).getMessage().contains("nests deeper"));
    }
}
