package io.datapipe.devtokens;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.Jwk;

/**
 * Signs tokens shaped like the identity provider's: {@code sub}, {@code iss}, {@code aud},
 * {@code iat}, {@code nbf}, {@code exp} and the roles in a {@code Role} array claim.
 */
public final class TokenMinter {

    /** Issuer of local tokens; the local stack expects it. */
    public static final String DEV_ISSUER = "datapipe-dev";
    /** Audience of local tokens; the local stack expects it. */
    public static final String DEV_AUDIENCE = "datapipe";

    private final Jwk key;
    private final String issuer;
    private final String audience;

    public TokenMinter(Jwk key, String issuer, String audience) {
        this.key = key;
        this.issuer = issuer;
        this.audience = audience;
    }

    /**
     * A minter for the local stack's issuer and audience.
     *
     * @param keys the dev keys
     * @return a minter
     */
    public static TokenMinter forDev(DevKeys keys) {
        return new TokenMinter(keys.signingKey(), DEV_ISSUER, DEV_AUDIENCE);
    }

    /**
     * A token for a user with roles, valid from now for {@code ttl}.
     *
     * @param subject the user id ({@code sub})
     * @param roles   the roles ({@code Role} claim)
     * @param ttl     how long it is valid
     * @return the compact serialized JWT
     */
    public String mint(String subject, List<String> roles, Duration ttl) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return mint(builder(subject, roles, now, now.plus(ttl)));
    }

    /**
     * A token from a builder made by {@link #builder}, changed by the caller as needed.
     *
     * @param builder the token
     * @return the compact serialized JWT
     */
    public String mint(Jwt.Builder builder) {
        return SignedJwt.sign(builder.build(), key).tokenContent();
    }

    /**
     * The standard claims of a token, for callers that need to change some of them.
     *
     * @param subject   {@code sub}
     * @param roles     {@code Role}
     * @param notBefore {@code nbf} and {@code iat}
     * @param expires   {@code exp}
     * @return a builder with the key id, algorithm and claims set
     */
    public Jwt.Builder builder(String subject, List<String> roles, Instant notBefore, Instant expires) {
        return Jwt.builder()
                .keyId(key.keyId())
                .algorithm(key.algorithm())
                .type("JWT")
                .issuer(issuer)
                .addAudience(audience)
                .subject(subject)
                .issueTime(notBefore)
                .notBefore(notBefore)
                .expirationTime(expires)
                .addPayloadClaim("Role", roles);
    }

    /**
     * Extra claims, for tests that need an unusual token.
     *
     * @param builder builder to add to
     * @param claims  claim name to value
     * @return the builder
     */
    public static Jwt.Builder withClaims(Jwt.Builder builder, Map<String, Object> claims) {
        claims.forEach(builder::addPayloadClaim);
        return builder;
    }
}
