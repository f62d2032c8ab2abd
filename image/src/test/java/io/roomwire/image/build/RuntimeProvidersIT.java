package io.roomwire.image.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The package's runtime (image/target/root, as built) with the package's jars on its class path: a look-up that no
 * provider answers walks the whole provider list without instantiating BouncyCastle's providers from the class path.
 */
class RuntimeProvidersIT {

    private static final Path HOME = Path.of("target/root/usr/lib/roomwire");

    /** Run on the package's runtime: the look-up the JCA answers by walking every provider, then the list. */
    public static final class Walk {
        public static void main(String[] args) {
            try {
                AlgorithmParameters.getInstance("roomwire-no-such-algorithm");
            } catch (NoSuchAlgorithmException expected) {
                // every provider was asked
            }
            System.out.println("providers: " + Arrays.stream(Security.getProviders()).map(Provider::getName)
                    .collect(Collectors.joining(",")));
        }
    }

    @Test
    void aLookUpNoProviderAnswersLoadsNothingFromTheClassPath() throws Exception {
        Path java = HOME.resolve("runtime/bin/java");
        assertTrue(Files.isExecutable(java), "no runtime at " + java + " (the image module's package phase makes it)");
        try (java.util.zip.ZipFile libraries = new java.util.zip.ZipFile(HOME.resolve("lib").resolve(MergedJars.MERGED).toFile())) {
            assertTrue(libraries.getEntry("org/bouncycastle/jce/provider/BouncyCastleProvider.class") != null,
                    "BouncyCastle's provider is in the package (it is what the JCA would instantiate)");
        }
        Process p = new ProcessBuilder(java.toString(), "-Xlog:class+load=info", "-cp",
                HOME.resolve("lib") + "/*:" + Path.of("target/test-classes"), Walk.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the walk ended");
        assertEquals(0, p.exitValue(), out);
        List<String> fromClassPath = out.lines().filter(l -> l.contains("org.bouncycastle")).limit(5).toList();
        assertEquals(List.of(), fromClassPath, "no BouncyCastle class loaded by a provider look-up");
        assertTrue(out.lines().anyMatch("providers: SUN,SunRsaSign,SunEC,SunJSSE,SunJCE,SunSASL,JdkLDAP,SunPKCS11"::equals),
                out.lines().filter(l -> l.startsWith("providers:")).toList().toString());
    }
}
