package io.roomwire.provisioning.mdm.syncml;

import io.roomwire.provisioning.mdm.internal.Xml;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.w3c.dom.Element;

/**
 * The SyncML 1.2 / OMA-DM 1.2 codec ({@code application/vnd.syncml.dm+xml}): parses with the
 * hardened parser of {@link Xml} and writes with escaping, so hostile values cannot change the
 * document's structure.
 */
public final class SyncMl {

    public static final String CONTENT_TYPE = "application/vnd.syncml.dm+xml";
    public static final String NAMESPACE = "SYNCML:SYNCML1.2";
    public static final String METINF = "syncml:metinf";
    private static final int MAX_COMMANDS = 2000;
    private static final int MAX_DEPTH = 4;
    private static final Set<String> CONTAINERS = Set.of(SyncCommand.ATOMIC, SyncCommand.SEQUENCE);

    private SyncMl() {
    }

    /** Parses a DM/1.2 message; every violation is named with the element it concerns. */
    public static SyncMessage parse(byte[] body) throws SyncMlException {
        Element root;
        try {
            root = Xml.parse(body);
        } catch (Xml.XmlException e) {
            throw new SyncMlException("malformed SyncML: " + e.getMessage(), e);
        }
        if (!"SyncML".equals(Xml.localName(root))) {
            throw new SyncMlException("malformed SyncML: root element is <" + Xml.localName(root) + ">, not <SyncML>");
        }
        Element hdr = Xml.child(root, "SyncHdr").orElseThrow(() -> new SyncMlException("malformed SyncML: no <SyncHdr>"));
        String verDtd = Xml.text(hdr, "VerDTD").orElse("");
        String verProto = Xml.text(hdr, "VerProto").orElse("");
        if (!"1.2".equals(verDtd) || !"DM/1.2".equals(verProto)) {
            throw new SyncMlException("unsupported SyncML version VerDTD='" + verDtd + "' VerProto='" + verProto
                    + "' (expected 1.2 and DM/1.2)");
        }
        String session = Xml.text(hdr, "SessionID").orElseThrow(() -> new SyncMlException("malformed SyncML: no <SessionID>"));
        int msgId = integer(hdr, "MsgID", "SyncHdr");
        SyncHeader header = new SyncHeader(session, msgId, Xml.text(hdr, "Target", "LocURI").orElse(""),
                Xml.text(hdr, "Source", "LocURI").orElse(""));
        Element body2 = Xml.child(root, "SyncBody").orElseThrow(() -> new SyncMlException("malformed SyncML: no <SyncBody>"));
        List<SyncCommand> cmds = new ArrayList<>();
        boolean fin = false;
        int[] count = {0};
        for (Element e : Xml.children(body2)) {
            if ("Final".equals(Xml.localName(e))) {
                fin = true;
            } else {
                cmds.add(command(e, 0, count));
            }
        }
        return new SyncMessage(header, cmds, fin);
    }

    private static SyncCommand command(Element e, int depth, int[] count) throws SyncMlException {
        if (++count[0] > MAX_COMMANDS) {
            throw new SyncMlException("SyncML message carries more than " + MAX_COMMANDS + " commands");
        }
        String name = Xml.localName(e);
        int cmdId = integer(e, "CmdID", name);
        List<SyncCommand> nested = new ArrayList<>();
        if (CONTAINERS.contains(name)) {
            if (depth >= MAX_DEPTH) {
                throw new SyncMlException("<" + name + "> CmdID " + cmdId + " nests deeper than " + MAX_DEPTH + " levels");
            }
            for (Element c : Xml.children(e)) {
                String n = Xml.localName(c);
                if (!"CmdID".equals(n) && !"Meta".equals(n) && !"NoResp".equals(n)) {
                    nested.add(command(c, depth + 1, count));
                }
            }
        }
        List<SyncItem> items = new ArrayList<>();
        Optional<String> cmdFormat = Xml.text(e, "Meta", "Format");
        Optional<String> cmdType = Xml.text(e, "Meta", "Type");
        for (Element it : Xml.children(e, "Item")) {
            items.add(new SyncItem(Xml.text(it, "Target", "LocURI").orElse(""), Xml.text(it, "Source", "LocURI").orElse(""),
                    Xml.text(it, "Meta", "Format").or(() -> cmdFormat).orElse(""),
                    Xml.text(it, "Meta", "Type").or(() -> cmdType).orElse(""),
                    Xml.child(it, "Data").map(d -> d.getTextContent())));
        }
        boolean status = SyncCommand.STATUS.equals(name);
        boolean results = SyncCommand.RESULTS.equals(name);
        int msgRef = -1;
        int cmdRef = -1;
        if (status || results) {
            msgRef = Xml.child(e, "MsgRef").isPresent() ? integer(e, "MsgRef", name) : -1;
            cmdRef = integer(e, "CmdRef", name);
        }
        Optional<String> data = Xml.child(e, "Data").map(d -> d.getTextContent().trim());
        if (status && data.isEmpty()) {
            throw new SyncMlException("<Status> CmdID " + cmdId + " has no status code <Data>");
        }
        return new SyncCommand(name, cmdId, data, items, msgRef, cmdRef, Xml.text(e, "Cmd").orElse(""),
                Xml.text(e, "TargetRef").orElse(""), nested);
    }

    private static int integer(Element parent, String child, String where) throws SyncMlException {
        String v = Xml.text(parent, child).orElseThrow(() -> new SyncMlException("malformed SyncML: <" + where
                + "> has no <" + child + ">"));
        try {
            int i = Integer.parseInt(v);
            if (i < 0) {
                throw new NumberFormatException();
            }
            return i;
        } catch (NumberFormatException ex) {
            throw new SyncMlException("malformed SyncML: <" + where + "><" + child + "> is '" + abbreviate(v)
                    + "', not a non-negative number");
        }
    }

    private static String abbreviate(String v) {
        return v.length() > 40 ? v.substring(0, 40) + "..." : v;
    }

    /** Writes {@code m} as UTF-8 XML. */
    public static byte[] write(SyncMessage m) {
        Xml.Writer w = new Xml.Writer().declaration();
        w.open("SyncML", "xmlns", NAMESPACE).open("SyncHdr")
                .leaf("VerDTD", "1.2").leaf("VerProto", "DM/1.2")
                .leaf("SessionID", m.header().sessionId()).leaf("MsgID", Integer.toString(m.header().msgId()));
        w.open("Target").leaf("LocURI", m.header().target()).close();
        w.open("Source").leaf("LocURI", m.header().source()).close();
        w.close().open("SyncBody");
        for (SyncCommand c : m.commands()) {
            writeCommand(w, c);
        }
        if (m.fin()) {
            w.empty("Final");
        }
        w.close().close();
        return w.bytes();
    }

    private static void writeCommand(Xml.Writer w, SyncCommand c) {
        w.open(c.name()).leaf("CmdID", Integer.toString(c.cmdId()));
        if (c.isStatus() || SyncCommand.RESULTS.equals(c.name())) {
            if (c.msgRef() >= 0) {
                w.leaf("MsgRef", Integer.toString(c.msgRef()));
            }
            w.leaf("CmdRef", Integer.toString(c.cmdRef()));
            if (!c.refCmd().isEmpty()) {
                w.leaf("Cmd", c.refCmd());
            }
            if (!c.targetRef().isEmpty()) {
                w.leaf("TargetRef", c.targetRef());
            }
        }
        if (c.isStatus() || SyncCommand.ALERT.equals(c.name())) {
            c.data().ifPresent(d -> w.leaf("Data", d));
        }
        for (SyncCommand n : c.nested()) {
            writeCommand(w, n);
        }
        for (SyncItem it : c.items()) {
            w.open("Item");
            if (!it.target().isEmpty()) {
                w.open("Target").leaf("LocURI", it.target()).close();
            }
            if (!it.source().isEmpty()) {
                w.open("Source").leaf("LocURI", it.source()).close();
            }
            if (!it.format().isEmpty() || !it.type().isEmpty()) {
                w.open("Meta");
                if (!it.format().isEmpty()) {
                    w.leaf("Format", it.format(), "xmlns", METINF);
                }
                if (!it.type().isEmpty()) {
                    w.leaf("Type", it.type(), "xmlns", METINF);
                }
                w.close();
            }
            it.data().ifPresent(d -> w.leaf("Data", d));
            w.close();
        }
        w.close();
    }
}
