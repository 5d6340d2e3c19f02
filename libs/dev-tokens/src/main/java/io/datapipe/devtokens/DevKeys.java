package io.datapipe.devtokens;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.UUID;

import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkRSA;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;

/**
 * A local RS256 signing key and its public JWKS, kept in a directory (for a local stack:
 * {@code .local/keys}, git-ignored). Generated on first use; the private key file is readable by its
 * owner only. These keys exist for local runs and tests; deployed services verify tokens against their
 * identity provider's JWKS.
 *
 * <p>Files: {@code signing-key.json} (the private JWK) and {@code jwks.json} (the public JWKS the
 * services are pointed at).
 */
public final class DevKeys {

    /** File name of the public JWKS. */
    public static final String JWKS_FILE = "jwks.json";
    /** File name of the private signing JWK. */
    public static final String SIGNING_KEY_FILE = "signing-key.json";

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final Path directory;
    private final JwkRSA signingKey;

    private DevKeys(Path directory, JwkRSA signingKey) {
        this.directory = directory;
        this.signingKey = signingKey;
    }

    /**
     * Loads the keys in a directory, generating them first if they are not there.
     *
     * @param directory where the key files live
     * @return the keys
     * @throws IOException when the files cannot be read or written
     */
    public static DevKeys loadOrCreate(Path directory) throws IOException {
        Path signing = directory.resolve(SIGNING_KEY_FILE);
        if (!Files.exists(signing)) {
            generate(directory);
        }
        try (InputStream in = Files.newInputStream(signing); JsonReader reader = Json.createReader(in)) {
            return new DevKeys(directory, JwkRSA.create(reader.readObject()));
        }
    }

    /** @return the directory holding the key files */
    public Path directory() {
        return directory;
    }

    /** @return the public JWKS file the services verify against */
    public Path jwksFile() {
        return directory.resolve(JWKS_FILE);
    }

    /** @return the private signing key */
    public Jwk signingKey() {
        return signingKey;
    }

    /** @return the id of the signing key ({@code kid}) */
    public String keyId() {
        return signingKey.keyId();
    }

    private static synchronized void generate(Path directory) throws IOException {
        Files.createDirectories(directory);
        KeyPair pair;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            pair = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA is not available in this JVM", e);
        }
        String kid = "dev-" + UUID.randomUUID();
        RSAPublicKey publicKey = (RSAPublicKey) pair.getPublic();
        RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) pair.getPrivate();

        JsonObjectBuilder publicJwk = publicJwk(kid, publicKey);
        JsonObject privateJwk = publicJwk(kid, publicKey)
                .add("d", base64url(privateKey.getPrivateExponent()))
                .add("p", base64url(privateKey.getPrimeP()))
                .add("q", base64url(privateKey.getPrimeQ()))
                .add("dp", base64url(privateKey.getPrimeExponentP()))
                .add("dq", base64url(privateKey.getPrimeExponentQ()))
                .add("qi", base64url(privateKey.getCrtCoefficient()))
                .build();
        JsonObject jwks = Json.createObjectBuilder()
                .add("keys", Json.createArrayBuilder().add(publicJwk))
                .build();

        // Check that Helidon reads back what we wrote before anything relies on it.
        JwkRSA.create(Json.createReader(new StringReader(privateJwk.toString())).readObject());

        writeOwnerOnly(directory.resolve(SIGNING_KEY_FILE), privateJwk.toString());
        Files.writeString(directory.resolve(JWKS_FILE), jwks.toString(), StandardCharsets.UTF_8);
    }

    private static JsonObjectBuilder publicJwk(String kid, RSAPublicKey key) {
        return Json.createObjectBuilder()
                .add("kty", "RSA")
                .add("kid", kid)
                .add("use", "sig")
                .add("alg", "RS256")
                .add("n", base64url(key.getModulus()))
                .add("e", base64url(key.getPublicExponent()));
    }

    private static void writeOwnerOnly(Path file, String content) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            // another process won the race; overwrite with ours only if it is empty
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Unsigned big-endian bytes, base64url without padding (RFC 7518 section 2). */
    private static String base64url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return BASE64URL.encodeToString(bytes);
    }
}
