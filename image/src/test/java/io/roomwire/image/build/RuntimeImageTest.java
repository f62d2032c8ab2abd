package io.roomwire.image.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The runtime's security provider list, rewritten from this JDK's own java.security. */
class RuntimeImageTest {

    private static String jdkJavaSecurity() throws IOException {
        return Files.readString(Path.of(System.getProperty("java.home"), "conf", "security", "java.security"));
    }

    private static TreeMap<Integer, String> providers(String javaSecurity) throws IOException {
        Properties p = new Properties();
        p.load(new java.io.StringReader(javaSecurity));
        TreeMap<Integer, String> out = new TreeMap<>();
        p.stringPropertyNames().stream().filter(k -> k.matches("security\\.provider\\.\\d+"))
                .forEach(k -> out.put(Integer.parseInt(k.substring("security.provider.".length())), p.getProperty(k)));
        return out;
    }

    @Test
    void keepsOnlyTheProvidersOfLinkedModulesNumberedFromOne() throws IOException {
        String jdk = jdkJavaSecurity();
        Set<String> linked = Set.of("java.base", "java.naming", "java.security.sasl", "jdk.crypto.ec", "jdk.crypto.cryptoki");
        String runtime = RuntimeImage.keepLinkedProviders(jdk, linked);
        TreeMap<Integer, String> kept = providers(runtime);
        assertEquals(List.of("SUN", "SunRsaSign", "SunEC", "SunJSSE", "SunJCE", "SunSASL", "JdkLDAP", "SunPKCS11"),
                List.copyOf(kept.values()), runtime);
        assertEquals(1, kept.firstKey());
        assertEquals(kept.size(), kept.lastKey(), "numbered without gaps: the JCA stops at the first missing number");
        for (String gone : List.of("SunJGSS", "XMLDSig", "SunPCSC", "JdkSASL")) {
            assertTrue(runtime.lines().anyMatch(l -> l.startsWith("# security.provider.") && l.contains("=" + gone + " ")
                    && l.contains("is not in this runtime")), gone + " is said to be left out");
        }
        // every other setting of the JDK's file is untouched
        Properties before = new Properties();
        before.load(new java.io.StringReader(jdk));
        Properties after = new Properties();
        after.load(new java.io.StringReader(runtime));
        before.stringPropertyNames().stream().filter(k -> !k.startsWith("security.provider."))
                .forEach(k -> assertEquals(before.getProperty(k), after.getProperty(k), k));
    }

    @Test
    void changesNothingWhenEveryProvidersModuleIsLinked() throws IOException {
        String jdk = jdkJavaSecurity();
        String runtime = RuntimeImage.keepLinkedProviders(jdk, Set.copyOf(RuntimeImage.PROVIDER_MODULES.values()));
        assertEquals(providers(jdk), providers(runtime));
        assertEquals(jdk.lines().toList(), runtime.lines().toList());
    }

    @Test
    void linkedModulesAreTheReleaseFilesWholeList() throws IOException {
        // this JDK's own release file: every module of the full JDK, the providers' modules among them
        Set<String> jdk = RuntimeImage.linkedModules(Path.of(System.getProperty("java.home")));
        assertTrue(jdk.containsAll(RuntimeImage.PROVIDER_MODULES.values()), jdk.toString());
        assertTrue(jdk.contains("java.base") && jdk.contains("java.security.sasl"), jdk.toString());
    }

    @Test
    void refusesAProviderItDoesNotKnow() {
        String file = "security.provider.1=SUN\nsecurity.provider.2=com.example.VendorProvider\n";
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> RuntimeImage.keepLinkedProviders(file, Set.of("java.base")));
        assertTrue(e.getMessage().contains("com.example.VendorProvider") && e.getMessage().contains("PROVIDER_MODULES"), e.getMessage());
    }
}
