package io.datapipe.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made at test time with {@code openssl} (never committed): a certificate authority of the
 * test's own, server certificates it signs for the host names a test chooses, and trust stores that hold
 * only that authority. Valid for a day.
 *
 * <pre>
 * TestCertificates.Authority ca = TestCertificates.authority(dir, "datapipe-test-ca");
 * TestCertificates.Server server = ca.issue("broker", "DNS:localhost");
 * Path trust = ca.trustStore("changeit");
 * </pre>
 */
public final class TestCertificates {

    private TestCertificates() {
    }

    /**
     * @return why certificates cannot be made here, or null when {@code openssl} is installed
     */
    public static String unavailable() {
        try {
            run(List.of("openssl", "version"));
            return null;
        } catch (IOException e) {
            return "openssl is not installed: " + e.getMessage();
        }
    }

    /**
     * Makes a self-signed certificate authority in a directory.
     *
     * @param directory where its key and certificate go ({@code <name>.key}, {@code <name>.crt})
     * @param name      its common name and file name
     * @return the authority
     * @throws IOException when openssl fails
     */
    public static Authority authority(Path directory, String name) throws IOException {
        Path key = directory.resolve(name + ".key");
        Path certificate = directory.resolve(name + ".crt");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", key.toString(), "-out", certificate.toString(), "-subj", "/CN=" + name));
        return new Authority(directory, name, certificate, key);
    }

    /**
     * A certificate authority made by {@link #authority(Path, String)}.
     *
     * @param directory   where it and what it issues live
     * @param name        its common name
     * @param certificate its certificate (PEM)
     * @param key         its private key (PEM)
     */
    public record Authority(Path directory, String name, Path certificate, Path key) {

        /**
         * Issues a server certificate.
         *
         * @param name  file name of the key and certificate ({@code <name>.key}, {@code <name>.crt})
         * @param names subject alternative names, e.g. {@code DNS:localhost}, {@code IP:127.0.0.1}; the first
         *              one's value is also the common name
         * @return the key and certificate, the key readable by its owner only
         * @throws IOException when openssl fails
         */
        public Server issue(String name, String... names) throws IOException {
            Path serverKey = directory.resolve(name + ".key");
            Path request = directory.resolve(name + ".csr");
            Path serverCertificate = directory.resolve(name + ".crt");
            Path extensions = directory.resolve(name + ".ext");
            Files.writeString(extensions, "subjectAltName=" + String.join(",", names) + "\n");
            run(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", serverKey.toString(),
                        "-out", request.toString(), "-subj", "/CN=" + names[0].substring(names[0].indexOf(':') + 1)));
            run(List.of("openssl", "x509", "-req", "-days", "1", "-in", request.toString(),
                        "-CA", certificate.toString(), "-CAkey", key.toString(), "-CAcreateserial",
                        "-out", serverCertificate.toString(), "-extfile", extensions.toString()));
            Files.setPosixFilePermissions(serverKey, PosixFilePermissions.fromString("rw-------"));
            return new Server(serverCertificate, serverKey, certificate);
        }

        /**
         * Writes a PKCS#12 trust store holding this authority only.
         *
         * @param password its password
         * @return the file, {@code <name>-trust.p12}
         * @throws IOException when it cannot be written
         */
        public Path trustStore(String password) throws IOException {
            Path file = directory.resolve(name + "-trust.p12");
            try (InputStream in = Files.newInputStream(certificate); OutputStream out = Files.newOutputStream(file)) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setCertificateEntry(name, CertificateFactory.getInstance("X.509").generateCertificate(in));
                store.store(out, password.toCharArray());
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot write the trust store of " + name, e);
            }
            return file;
        }
    }

    /**
     * A server's certificate and key, and the authority that signed it.
     *
     * @param certificate the server's certificate (PEM)
     * @param key         its private key (PEM)
     * @param authority   the signing authority's certificate (PEM)
     */
    public record Server(Path certificate, Path key, Path authority) {
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }
}
