package io.roomwire.sim.cloud.mdm;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXParseException;

/** Hardened DOM parsing (no DTDs, no external entities) and an escaping writer for the simulated MDM. */
final class SimXml {

    private SimXml() {
    }

    static Element parse(byte[] bytes) throws Exception {
        if (bytes.length > (1 << 20)) {
            throw new IllegalArgumentException("document too large: " + bytes.length + " bytes");
        }
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        f.setXIncludeAware(false);
        f.setExpandEntityReferences(false);
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(new ErrorHandler() {
            @Override
            public void warning(SAXParseException e) {
            }

            @Override
            public void error(SAXParseException e) throws SAXParseException {
                throw e;
            }

            @Override
            public void fatalError(SAXParseException e) throws SAXParseException {
                throw e;
            }
        });
        return b.parse(new ByteArrayInputStream(bytes)).getDocumentElement();
    }

    static String local(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }

    static List<Element> kids(Element p, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = p.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (name == null || name.equals(local(e)))) {
                out.add(e);
            }
        }
        return out;
    }

    static Optional<Element> at(Element p, String... path) {
        Element cur = p;
        for (String s : path) {
            List<Element> k = kids(cur, s);
            if (k.isEmpty()) {
                return Optional.empty();
            }
            cur = k.get(0);
        }
        return Optional.of(cur);
    }

    static String text(Element p, String... path) {
        return at(p, path).map(e -> e.getTextContent().trim()).orElse("");
    }

    static Optional<Element> find(Element root, String name) {
        Deque<Element> st = new ArrayDeque<>();
        st.push(root);
        while (!st.isEmpty()) {
            Element e = st.pop();
            if (name.equals(local(e))) {
                return Optional.of(e);
            }
            List<Element> k = kids(e, null);
            for (int i = k.size() - 1; i >= 0; i--) {
                st.push(k.get(i));
            }
        }
        return Optional.empty();
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** Builds XML; element names are constants, attribute values and text are escaped. */
    static final class W {
        final StringBuilder b = new StringBuilder(512);
        private final Deque<String> open = new ArrayDeque<>();

        W open(String name, String... attrs) {
            b.append('<').append(name);
            for (int i = 0; i < attrs.length; i += 2) {
                b.append(' ').append(attrs[i]).append("=\"").append(esc(attrs[i + 1])).append('"');
            }
            b.append('>');
            open.push(name);
            return this;
        }

        W leaf(String name, String text, String... attrs) {
            open(name, attrs);
            b.append(esc(text));
            return close();
        }

        W empty(String name, String... attrs) {
            b.append('<').append(name);
            for (int i = 0; i < attrs.length; i += 2) {
                b.append(' ').append(attrs[i]).append("=\"").append(esc(attrs[i + 1])).append('"');
            }
            b.append("/>");
            return this;
        }

        W close() {
            b.append("</").append(open.pop()).append('>');
            return this;
        }

        @Override
        public String toString() {
            return b.toString();
        }
    }
}
