package io.roomwire.provisioning.mdm.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * XML for hostile input: a DOM parser with DTDs, external entities and XInclude off and a size
 * cap, element helpers that match by local name, and a small writer that escapes every value.
 */
public final class Xml {

    /** Largest document accepted from the network. */
    public static final int MAX_BYTES = 1 << 20;

    private static final DocumentBuilderFactory FACTORY = factory();

    private Xml() {
    }

    /** Thrown for a document that is not well-formed, too large, or carries a DTD. */
    public static final class XmlException extends Exception {
        private static final long serialVersionUID = 1L;

        public XmlException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static DocumentBuilderFactory factory() {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        try {
            f.setNamespaceAware(true);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("The JDK XML parser cannot be hardened: " + e.getMessage(), e);
        }
        return f;
    }

    /** Parses {@code bytes}; the root element is returned. */
    public static Element parse(byte[] bytes) throws XmlException {
        if (bytes.length > MAX_BYTES) {
            throw new XmlException("document of " + bytes.length + " bytes exceeds the " + MAX_BYTES + "-byte limit", null);
        }
        try {
            DocumentBuilder b;
            synchronized (FACTORY) {
                b = FACTORY.newDocumentBuilder();
            }
            b.setErrorHandler(new ErrorHandler() {
                @Override
                public void warning(SAXParseException e) {
                }

                @Override
                public void error(SAXParseException e) throws SAXException {
                    throw e;
                }

                @Override
                public void fatalError(SAXParseException e) throws SAXException {
                    throw e;
                }
            });
            Document d = b.parse(new ByteArrayInputStream(bytes));
            return d.getDocumentElement();
        } catch (SAXParseException e) {
            throw new XmlException("not well-formed XML at line " + e.getLineNumber() + " column " + e.getColumnNumber()
                    + ": " + e.getMessage(), e);
        } catch (SAXException | IOException | ParserConfigurationException e) {
            throw new XmlException("unreadable XML: " + e.getMessage(), e);
        }
    }

    /** Child elements of {@code parent} with local name {@code name} (any namespace). */
    public static List<Element> children(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && (name == null || name.equals(localName(e)))) {
                out.add(e);
            }
        }
        return out;
    }

    /** All child elements. */
    public static List<Element> children(Element parent) {
        return children(parent, null);
    }

    public static Optional<Element> child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && name.equals(localName(e))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The element at a path of local names below {@code parent}. */
    public static Optional<Element> path(Element parent, String... names) {
        Optional<Element> cur = Optional.of(parent);
        for (String n : names) {
            cur = cur.flatMap(e -> child(e, n));
        }
        return cur;
    }

    /** Trimmed text of the element at the path, if present. */
    public static Optional<String> text(Element parent, String... names) {
        return path(parent, names).map(e -> e.getTextContent().trim());
    }

    /** First descendant (depth first) with local name {@code name}. */
    public static Optional<Element> find(Element root, String name) {
        Deque<Element> stack = new ArrayDeque<>();
        stack.push(root);
        while (!stack.isEmpty()) {
            Element e = stack.pop();
            if (name.equals(localName(e))) {
                return Optional.of(e);
            }
            List<Element> kids = children(e);
            for (int i = kids.size() - 1; i >= 0; i--) {
                stack.push(kids.get(i));
            }
        }
        return Optional.empty();
    }

    public static String localName(Element e) {
        return e.getLocalName() != null ? e.getLocalName() : e.getTagName();
    }

    /** Escapes text for element content and attribute values; drops characters XML cannot carry. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> {
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF) {
                        b.append('\uFFFD');
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** A minimal streaming writer: names are constants of this code, every value is escaped. */
    public static final class Writer {
        private final StringBuilder b = new StringBuilder(1024);
        private final Deque<String> open = new ArrayDeque<>();

        public Writer declaration() {
            b.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
            return this;
        }

        /** Opens {@code name} with attribute name/value pairs. */
        public Writer open(String name, String... attrs) {
            startTag(name, attrs);
            b.append('>');
            open.push(name);
            return this;
        }

        /** {@code <name attrs>text</name>}. */
        public Writer leaf(String name, String text, String... attrs) {
            startTag(name, attrs);
            b.append('>').append(escape(text)).append("</").append(name).append('>');
            return this;
        }

        /** {@code <name attrs/>}. */
        public Writer empty(String name, String... attrs) {
            startTag(name, attrs);
            b.append("/>");
            return this;
        }

        public Writer text(String text) {
            b.append(escape(text));
            return this;
        }

        public Writer close() {
            b.append("</").append(open.pop()).append('>');
            return this;
        }

        private void startTag(String name, String[] attrs) {
            if (attrs.length % 2 != 0) {
                throw new IllegalArgumentException("attribute name/value pairs expected");
            }
            b.append('<').append(name);
            for (int i = 0; i < attrs.length; i += 2) {
                b.append(' ').append(attrs[i]).append("=\"").append(escape(attrs[i + 1])).append('"');
            }
        }

        @Override
        public String toString() {
            if (!open.isEmpty()) {
                throw new IllegalStateException("unclosed elements: " + open);
            }
            return b.toString();
        }

        public byte[] bytes() {
            return toString().getBytes(StandardCharsets.UTF_8);
        }
    }
}
