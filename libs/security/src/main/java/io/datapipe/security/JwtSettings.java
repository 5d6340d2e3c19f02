package io.datapipe.security;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.eclipse.microprofile.config.Config;

/**
 * How bearer tokens are verified, from MicroProfile Config ({@code datapipe.jwt.*}, so
 * {@code DATAPIPE_JWT_*} environment variables):
 * <ul>
 *     <li>{@code jwks.path} or {@code jwks.uri}: where the verification keys are (one is required unless
 *     an HS256 secret is configured);</li>
 *     <li>{@code hs256-secret}: a shared secret of at least 32 bytes, enabling HS256;</li>
 *     <li>{@code issuer}, {@code audience}: checked when set ({@code audience} may list several, comma-separated);</li>
 *     <li>{@code audience-claim}: the claim the audience is read from (default {@code aud}). Identity
 *     providers whose access tokens carry no {@code aud} name the client elsewhere: Amazon Cognito in
 *     {@code client_id}, so there it is {@code client_id} and {@code audience} lists the app clients' ids;</li>
 *     <li>{@code algorithms}: the allow-list (default {@code RS256,ES256}, plus {@code HS256} with a secret);</li>
 *     <li>{@code clock-skew-seconds} (default 30), {@code max-token-bytes} (default 8192);</li>
 *     <li>{@code jwks.refresh-min-interval-seconds} (default 60): an unknown key id reloads the keys at
 *     most this often; {@code jwks.timeout-ms} (default 5000);</li>
 *     <li>{@code role-claims}: claims holding the roles (default {@code Role,groups}).</li>
 * </ul>
 */
public record JwtSettings(Optional<Path> jwksPath,
                          Optional<URI> jwksUri,
                          Optional<String> hs256Secret,
                          Optional<String> issuer,
                          Set<String> audiences,
                          Set<String> algorithms,
                          Duration clockSkew,
                          int maxTokenBytes,
                          Duration jwksRefreshMinInterval,
                          Duration jwksTimeout,
                          List<String> roleClaims,
                          String audienceClaim) {

    /** Algorithms this service can verify at all. */
    static final Set<String> SUPPORTED = Set.of("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256");
    /** Shortest accepted HS256 secret (RFC 7518 section 3.2: at least the hash size). */
    static final int MIN_SECRET_BYTES = 32;

    public JwtSettings {
        if (jwksPath.isEmpty() && jwksUri.isEmpty() && hs256Secret.isEmpty()) {
            throw new IllegalArgumentException(
                    "no token verification keys: set datapipe.jwt.jwks.path, datapipe.jwt.jwks.uri or datapipe.jwt.hs256-secret");
        }
        if (jwksPath.isPresent() && jwksUri.isPresent()) {
            throw new IllegalArgumentException("set datapipe.jwt.jwks.path or datapipe.jwt.jwks.uri, not both");
        }
        if (hs256Secret.isPresent() && hs256Secret.get().getBytes(java.nio.charset.StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("datapipe.jwt.hs256-secret must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        for (String algorithm : algorithms) {
            if (!SUPPORTED.contains(algorithm)) {
                throw new IllegalArgumentException("unsupported token algorithm " + algorithm + "; supported: " + SUPPORTED);
            }
        }
        if (algorithms.contains("HS256") && hs256Secret.isEmpty()) {
            throw new IllegalArgumentException("HS256 needs datapipe.jwt.hs256-secret");
        }
        if (audienceClaim == null || audienceClaim.isBlank()) {
            throw new IllegalArgumentException("datapipe.jwt.audience-claim must name a claim");
        }
        audiences = Set.copyOf(audiences);
        algorithms = Set.copyOf(algorithms);
        roleClaims = List.copyOf(roleClaims);
    }

    /** Settings that read the audience from the standard {@code aud} claim. */
    public JwtSettings(Optional<Path> jwksPath, Optional<URI> jwksUri, Optional<String> hs256Secret, Optional<String> issuer,
                       Set<String> audiences, Set<String> algorithms, Duration clockSkew, int maxTokenBytes,
                       Duration jwksRefreshMinInterval, Duration jwksTimeout, List<String> roleClaims) {
        this(jwksPath, jwksUri, hs256Secret, issuer, audiences, algorithms, clockSkew, maxTokenBytes, jwksRefreshMinInterval,
             jwksTimeout, roleClaims, "aud");
    }

    /**
     * Reads the settings.
     *
     * @param config MicroProfile config
     * @return the settings
     * @throws IllegalArgumentException when they are incomplete or contradictory
     */
    public static JwtSettings from(Config config) {
        Optional<String> secret = config.getOptionalValue("datapipe.jwt.hs256-secret", String.class);
        Set<String> algorithms = new LinkedHashSet<>(list(config, "datapipe.jwt.algorithms").orElse(List.of("RS256", "ES256")));
        if (secret.isPresent() && config.getOptionalValue("datapipe.jwt.algorithms", String.class).isEmpty()) {
            algorithms.add("HS256");
        }
        algorithms.removeIf(algorithm -> algorithm.equalsIgnoreCase("none"));
        return new JwtSettings(
                config.getOptionalValue("datapipe.jwt.jwks.path", String.class).map(Path::of),
                config.getOptionalValue("datapipe.jwt.jwks.uri", String.class).map(URI::create),
                secret,
                config.getOptionalValue("datapipe.jwt.issuer", String.class),
                Set.copyOf(list(config, "datapipe.jwt.audience").orElse(List.of())),
                algorithms,
                Duration.ofSeconds(config.getOptionalValue("datapipe.jwt.clock-skew-seconds", Integer.class).orElse(30)),
                config.getOptionalValue("datapipe.jwt.max-token-bytes", Integer.class).orElse(8192),
                Duration.ofSeconds(config.getOptionalValue("datapipe.jwt.jwks.refresh-min-interval-seconds", Integer.class)
                                           .orElse(60)),
                Duration.ofMillis(config.getOptionalValue("datapipe.jwt.jwks.timeout-ms", Integer.class).orElse(5_000)),
                list(config, "datapipe.jwt.role-claims").orElse(List.of("Role", "groups")),
                config.getOptionalValue("datapipe.jwt.audience-claim", String.class).orElse("aud").strip());
    }

    private static Optional<List<String>> list(Config config, String key) {
        return config.getOptionalValue(key, String.class)
                .map(value -> Arrays.stream(value.split(","))
                        .map(String::strip)
                        .filter(item -> !item.isEmpty())
                        .map(item -> key.endsWith("algorithms") ? item.toUpperCase(Locale.ROOT) : item)
                        .toList());
    }
}
