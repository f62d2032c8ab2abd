package io.roomwire.image.build;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The JDK modules a jar's classes name in their constant pools (JVMS 4.4): every class, field and
 * method descriptor and signature is a CONSTANT_Utf8 entry, so the JDK packages found there, mapped to
 * the system modules that hold them, are the modules the jar can link against.
 */
final class ClassReferences {

    private static final Pattern JDK_TYPE = Pattern.compile("((?:java|javax|jdk|sun|com/sun|org/w3c|org/xml|org/ietf)(?:/[a-z0-9_]+)*)/[A-Za-z0-9_$]+");

    private ClassReferences() {
    }

    static Set<String> jdkModules(Path jar) throws IOException {
        Map<String, String> moduleOfPackage = new HashMap<>();
        for (ModuleReference m : ModuleFinder.ofSystem().findAll()) {
            for (String p : m.descriptor().packages()) {
                moduleOfPackage.put(p, m.descriptor().name());
            }
        }
        Set<String> modules = new TreeSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                if (!e.getName().endsWith(".class") || e.getName().startsWith("META-INF/")) {
                    continue;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    for (String utf8 : utf8Constants(new DataInputStream(in))) {
                        Matcher m = JDK_TYPE.matcher(utf8);
                        while (m.find()) {
                            String module = moduleOfPackage.get(m.group(1).replace('/', '.'));
                            if (module != null) {
                                modules.add(module);
                            }
                        }
                    }
                }
            }
        }
        return modules;
    }

    /** The CONSTANT_Utf8 entries of a class file's constant pool. */
    private static java.util.List<String> utf8Constants(DataInputStream in) throws IOException {
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> out.add(in.readUTF());
                case 3, 4 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++; // long and double take two slots (JVMS 4.4.5)
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return out;
    }
}
