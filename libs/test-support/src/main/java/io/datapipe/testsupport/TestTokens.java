package io.datapipe.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.datapipe.devtokens.DevKeys;
import io.datapipe.devtokens.TokenMinter;
import io.helidon.security.jwt.Jwt;

/**
 * Real signed tokens for tests, from a key pair generated for this JVM, and the hostile tokens an
 * attacker would send. Point the services at {@link #serviceConfig()}.
 */
public final class TestTokens {

    /** Issuer the test key's tokens carry and the services are told to expect. */
    public static final String ISSUER = TokenMinter.DEV_ISSUER;
    /** Audience the test key's tokens carry and the services are told to expect. */
    public static final String AUDIENCE = TokenMinter.DEV_AUDIENCE;

    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static TestTokens instance;
    private static TestTokens stranger;

    private final DevKeys keys;
    private final TokenMinter minter;

    private TestTokens(DevKeys keys) {
        this.keys = keys;
        this.minter = TokenMinter.forDev(keys);
    }

    /**
     * The trusted key of this JVM's tests.
     *
     * @return tokens the services under test accept
     */
    public static synchronized TestTokens get() {
        if (instance == null) {
            instance = create("datapipe-test-keys");
        }
        return instance;
    }

    /**
     * A key the services do not know: its tokens look right but must be refused.
     *
     * @return tokens signed by an unknown key
     */
    public static synchronized TestTokens stranger() {
        if (stranger == null) {
            stranger = create("datapipe-stranger-keys");
        }
        return stranger;
    }

    private static TestTokens create(String prefix) {
        try {
            Path directory = Files.createTempDirectory(prefix);
            directory.toFile().deleteOnExit();
            return new TestTokens(DevKeys.loadOrCreate(directory));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the public JWKS file */
    public Path jwksFile() {
        return keys.jwksFile();
    }

    /** @return the key id tokens are signed with */
    public String keyId() {
        return keys.keyId();
    }

    /**
     * Service configuration that trusts this key, with issuer and audience checks on.
     *
     * @return {@code datapipe.jwt.*} settings
     */
    public Map<String, String> serviceConfig() {
        // An empty value unsets the services' default JWKS URI (the local identity provider's).
        return Map.of("datapipe.jwt.jwks.path", jwksFile().toString(),
                      "datapipe.jwt.jwks.uri", "",
                      "datapipe.jwt.issuer", ISSUER,
                      "datapipe.jwt.audience", AUDIENCE);
    }

    /**
     * A valid token for ten minutes.
     *
     * @param subject user id
     * @param roles   roles
     * @return the token
     */
    public String token(String subject, String... roles) {
        return minter.mint(subject, List.of(roles), Duration.ofMinutes(10));
    }

    /**
     * The claims of a valid token, to change before {@link #sign(Jwt.Builder)}.
     *
     * @param subject user id
     * @param roles   roles
     * @return a builder
     */
    public Jwt.Builder builder(String subject, String... roles) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return minter.builder(subject, List.of(roles), now, now.plus(Duration.ofMinutes(10)));
    }

    /**
     * Signs a token with this key.
     *
     * @param builder the claims
     * @return the token
     */
    public String sign(Jwt.Builder builder) {
        return minter.mint(builder);
    }

    /**
     * A token assembled from raw JSON, with an arbitrary signature segment: for malformed and hostile
     * tokens that no library would produce.
     *
     * @param headerJson  the JOSE header
     * @param payloadJson the claims
     * @param signature   the third segment, already encoded
     * @return the token
     */
    public static String raw(String headerJson, String payloadJson, String signature) {
        return encode(headerJson) + "." + encode(payloadJson) + "." + signature;
    }

    /**
     * A token signed with HMAC-SHA256 under a given secret, whatever the header says.
     *
     * @param headerJson  the JOSE header
     * @param payloadJson the claims
     * @param secret      the HMAC key
     * @return the token
     */
    public static String hs256(String headerJson, String payloadJson, byte[] secret) {
        String signingInput = encode(headerJson) + "." + encode(payloadJson);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return signingInput + "." + BASE64URL.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Standard claims as JSON, for raw tokens.
     *
     * @param subject  {@code sub}
     * @param rolesJson the {@code Role} claim as JSON (an array, or something hostile)
     * @return the payload JSON
     */
    public static String claimsJson(String subject, String rolesJson) {
        long now = Instant.now().getEpochSecond();
        return "{\"iss\":\"" + ISSUER + "\",\"aud\":\"" + AUDIENCE + "\",\"sub\":\"" + subject + "\",\"iat\":" + now
                + ",\"nbf\":" + now + ",\"exp\":" + (now + 600) + ",\"Role\":" + rolesJson + "}";
    }

    /** @return the public JWKS as text, which an attacker knows */
    public String publicJwksText() {
        try {
            return Files.readString(jwksFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String encode(String json) {
        return BASE64URL.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
