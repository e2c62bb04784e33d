package org.difflabel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.difflabel.contracts.ImageEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry behind TLS with a private CA is reached through the SSLContext the settings carry. */
class RegistryClientTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static KeyStore keyStore;

    @BeforeAll
    static void createSelfSignedCertificate(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("registry.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "registry", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            keyStore.load(in, PASSWORD);
        }
    }

    @Test
    void reachesRegistryTrustedThroughTheSuppliedSslContext() throws Exception {
        try (ScriptedRegistry registry = ScriptedRegistry.https(serverContext())
                .then(200, RegistryClientTest.IMAGE_EVENT_BY_ID)) {
            RegistryClient client = new RegistryClient(RegistrySettings.of(registry.url()).withSslContext(trusting()));

            assertThat(client.schemaById(1)).isEqualTo(ImageEvent.getClassSchema());
        }
    }

    @Test
    void refusesTheSameRegistryWithTheDefaultTrustStore() throws Exception {
        try (ScriptedRegistry registry = ScriptedRegistry.https(serverContext())
                .then(200, RegistryClientTest.IMAGE_EVENT_BY_ID)) {
            RegistryClient client = new RegistryClient(RegistrySettings.of(registry.url())
                    .withRetries(0, Duration.ZERO, Duration.ZERO));

            assertThatThrownBy(() -> client.schemaById(1))
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasCauseInstanceOf(SSLHandshakeException.class);
        }
    }

    private static SSLContext serverContext() throws Exception {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(keyStore, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static SSLContext trusting() throws Exception {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(keyStore);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
