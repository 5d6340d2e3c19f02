package io.datapipe.security;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;

import io.datapipe.contract.UserIds;
import io.datapipe.security.TokenRejectedException.Reason;
import io.helidon.common.Errors;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.JwtHeaders;
import io.helidon.security.jwt.JwtValidator;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.Jwk;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;

/**
 * Verifies bearer tokens, with Helidon's JWT library doing the parsing, the signature check and the
 * claim validation. The order matters: the size bound and the algorithm allow-list are checked before
 * any key is looked up, the signature before any claim is trusted.
 *
 * <p>Refused: more than {@code max-token-bytes}; not a compact JWS; an algorithm outside the
 * allow-list (so never {@code none}, and never HS256 with a public key); an unknown key; a bad
 * signature; no {@code exp}, or expired; {@code nbf} in the future; a wrong {@code iss} or {@code aud}
 * when configured; a {@code sub} that is missing or not a valid user id; a role claim that is not an
 * array of role names.
 */
public final class TokenVerifier {

    private static final Pattern ROLE = Pattern.compile("^[A-Za-z0-9._:/-]{1,64}$");
    private static final int MAX_ROLES = 64;

    private final JwtSettings settings;
    private final VerificationKeys keys;
    private final Cache<String, VerifiedToken> verified;

    /** One verifier per distinct settings in a process, so that its key set and cache exist once. */
    private static final ConcurrentMap<JwtSettings, TokenVerifier> SHARED = new ConcurrentHashMap<>();

    /**
     * The verifier for these settings, shared by every caller in this process: Helidon security's provider
     * (created by its service loader, outside CDI) and routes that check tokens themselves use the same key
     * set, fetched once, and the same cache of tokens verified before.
     *
     * @param settings the token settings
     * @return the process's verifier for them
     */
    public static TokenVerifier of(JwtSettings settings) {
        return SHARED.computeIfAbsent(settings, TokenVerifier::new);
    }

    public TokenVerifier(JwtSettings settings) {
        this.settings = settings;
        this.keys = new VerificationKeys(settings);
        // A token that verified once is the same token until it expires: its next use skips the
        // parsing and the signature check (a quarter of the generator's CPU per request). Bounded,
        // and each entry leaves at the token's own expiry, so nothing expired is ever accepted.
        this.verified = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfter(Expiry.creating((String token, VerifiedToken identity) ->
                        Duration.between(Instant.now(), identity.expiresAt()).plus(settings.clockSkew())))
                .build();
    }

    /**
     * Verifies a token, or finds it verified before and not expired since.
     *
     * @param token the compact JWS, without the {@code Bearer} prefix
     * @return who the bearer is
     * @throws TokenRejectedException when the token does not authenticate its bearer
     */
    public VerifiedToken verify(String token) throws TokenRejectedException {
        VerifiedToken known = verified.getIfPresent(token);
        if (known != null && Instant.now().isBefore(known.expiresAt().plus(settings.clockSkew()))) {
            return known;
        }
        VerifiedToken identity = verifyNow(token);
        verified.put(token, identity);
        return identity;
    }

    private VerifiedToken verifyNow(String token) throws TokenRejectedException {
        if (token.length() > settings.maxTokenBytes()) {
            throw new TokenRejectedException(Reason.TOO_LARGE, "the token is larger than " + settings.maxTokenBytes() + " bytes");
        }
        JwtHeaders headers;
        SignedJwt signed;
        try {
            headers = JwtHeaders.parseToken(token);
            signed = SignedJwt.parseToken(headers, token);
        } catch (RuntimeException e) {
            throw new TokenRejectedException(Reason.MALFORMED, "the token is not a well-formed signed JWT");
        }
        if (headers.encryption().isPresent()) {
            throw new TokenRejectedException(Reason.MALFORMED, "encrypted tokens are not accepted");
        }
        String algorithm = headers.algorithm().orElse(null);
        if (algorithm == null || !settings.algorithms().contains(algorithm)) {
            throw new TokenRejectedException(Reason.UNSUPPORTED_ALGORITHM,
                                             "the token's algorithm is not accepted; accepted: " + String.join(", ", settings.algorithms()));
        }
        Jwk key = keys.find(headers.keyId().orElse(null), algorithm)
                .orElseThrow(() -> new TokenRejectedException(Reason.UNKNOWN_KEY, "the token was signed with an unknown key"));
        if (!verifySignature(signed, key)) {
            throw new TokenRejectedException(Reason.BAD_SIGNATURE, "the token's signature is not valid");
        }

        Jwt jwt;
        try {
            jwt = signed.getJwt();
        } catch (RuntimeException e) {
            throw new TokenRejectedException(Reason.MALFORMED, "the token's claims are not valid JSON");
        }
        Instant now = Instant.now();
        check(JwtValidator.builder()
                      .addExpirationValidator(v -> v.now(now).allowedTimeSkew(settings.clockSkew()).mandatory(true))
                      .build(), jwt, Reason.EXPIRED, "the token has expired or has no expiry (exp)");
        check(JwtValidator.builder()
                      .addNotBeforeValidator(v -> v.now(now).allowedTimeSkew(settings.clockSkew()).mandatory(false))
                      .build(), jwt, Reason.NOT_YET_VALID, "the token is not valid yet (nbf)");
        check(JwtValidator.builder().addCriticalValidator().build(), jwt, Reason.MALFORMED,
              "the token has critical headers this service does not understand");
        if (settings.issuer().isPresent()) {
            check(JwtValidator.builder().addIssuerValidator(settings.issuer().get(), true).build(), jwt,
                  Reason.WRONG_ISSUER, "the token's issuer (iss) is not accepted");
        }
        if (!settings.audiences().isEmpty() && "aud".equals(settings.audienceClaim())) {
            check(JwtValidator.builder().addAudienceValidator(v -> v.expectedAudience(settings.audiences()).mandatory(true)).build(),
                  jwt, Reason.WRONG_AUDIENCE, "the token's audience (aud) is not accepted");
        } else if (!settings.audiences().isEmpty()) {
            Optional<JsonValue> audience = jwt.payloadClaim(settings.audienceClaim());
            if (audience.isEmpty() || !(audience.get() instanceof JsonString client) || !settings.audiences().contains(client.getString())) {
                throw new TokenRejectedException(Reason.WRONG_AUDIENCE, "the token's audience (" + settings.audienceClaim() + ") is not accepted");
            }
        }

        String subject = jwt.subject().filter(UserIds::isValid)
                .orElseThrow(() -> new TokenRejectedException(Reason.INVALID_SUBJECT,
                                                              "the token's subject (sub) is missing or not a valid user id"));
        return new VerifiedToken(subject, roles(jwt), jwt.expirationTime().orElseThrow());
    }

    private static boolean verifySignature(SignedJwt signed, Jwk key) {
        try {
            Errors errors = signed.verifySignature(io.helidon.security.jwt.jwk.JwkKeys.builder().build(), key);
            return errors.isValid();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void check(JwtValidator validator, Jwt jwt, Reason reason, String message) throws TokenRejectedException {
        if (!validator.validate(jwt).isValid()) {
            throw new TokenRejectedException(reason, message);
        }
    }

    private Set<String> roles(Jwt jwt) throws TokenRejectedException {
        Set<String> roles = new LinkedHashSet<>();
        for (String claim : settings.roleClaims()) {
            Optional<JsonValue> value = jwt.payloadClaim(claim);
            if (value.isEmpty() || value.get().getValueType() == JsonValue.ValueType.NULL) {
                continue;
            }
            if (value.get().getValueType() != JsonValue.ValueType.ARRAY) {
                throw new TokenRejectedException(Reason.INVALID_ROLES, "the token's " + claim + " claim must be an array of strings");
            }
            for (JsonValue role : value.get().asJsonArray()) {
                if (!(role instanceof JsonString text) || !ROLE.matcher(text.getString()).matches()) {
                    throw new TokenRejectedException(Reason.INVALID_ROLES, "the token's " + claim + " claim must be an array of role names");
                }
                roles.add(text.getString());
            }
        }
        if (roles.size() > MAX_ROLES) {
            throw new TokenRejectedException(Reason.INVALID_ROLES, "the token has more than " + MAX_ROLES + " roles");
        }
        return roles;
    }
}
