package io.datapipe.security;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.datapipe.security.TokenRejectedException.Reason;
import io.helidon.security.AuthenticationResponse;
import io.helidon.security.Principal;
import io.helidon.security.ProviderRequest;
import io.helidon.security.Role;
import io.helidon.security.SecurityResponse;
import io.helidon.security.Subject;
import io.helidon.security.spi.AuthenticationProvider;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * Helidon security provider ({@code datapipe-jwt}) that authenticates requests by their
 * {@code Authorization: Bearer} token with a {@link TokenVerifier}. The subject's principal is the
 * token's {@code sub}; its roles become Helidon role grants, which {@code @RolesAllowed} checks.
 *
 * <p>Failures answer 401 with a {@code WWW-Authenticate: Bearer} challenge (RFC 6750); a verification
 * key set that cannot be loaded answers 503.
 */
public final class BearerTokenProvider implements AuthenticationProvider {

    private static final System.Logger LOGGER = System.getLogger(BearerTokenProvider.class.getName());

    private final TokenVerifier verifier;

    public BearerTokenProvider(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public AuthenticationResponse authenticate(ProviderRequest request) {
        try {
            VerifiedToken token = verifier.verify(bearerToken(request.env().headers()));
            Subject.Builder subject = Subject.builder().principal(Principal.create(token.subject()));
            token.roles().forEach(role -> subject.addGrant(Role.create(role)));
            return AuthenticationResponse.success(subject.build());
        } catch (TokenRejectedException e) {
            LOGGER.log(DEBUG, () -> "token refused: " + e.reason());
            return refused(e);
        }
    }

    static String bearerToken(Map<String, List<String>> requestHeaders) throws TokenRejectedException {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(requestHeaders);
        return bearerToken(Optional.ofNullable(headers.get("Authorization")).orElse(List.of()));
    }

    /** The token of the {@code Authorization} header's values, which must be exactly one {@code Bearer} credential. */
    static String bearerToken(List<String> values) throws TokenRejectedException {
        if (values.isEmpty()) {
            throw new TokenRejectedException(Reason.MISSING, "a bearer token is required (Authorization: Bearer <token>)");
        }
        if (values.size() > 1) {
            throw new TokenRejectedException(Reason.MALFORMED, "only one Authorization header is allowed");
        }
        String value = values.get(0).strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            throw new TokenRejectedException(Reason.MISSING, "the Authorization header must use the Bearer scheme");
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty()) {
            throw new TokenRejectedException(Reason.MISSING, "the bearer token is empty");
        }
        return token;
    }

    private static AuthenticationResponse refused(TokenRejectedException e) {
        if (e.reason() == Reason.KEYS_UNAVAILABLE) {
            return AuthenticationResponse.builder()
                    .status(SecurityResponse.SecurityStatus.FAILURE)
                    .statusCode(503)
                    .description(e.getMessage())
                    .responseHeader("Retry-After", BearerAuthentication.KEYS_RETRY_AFTER_SECONDS)
                    .build();
        }
        String challenge = BearerAuthentication.challenge(e);
        return AuthenticationResponse.builder()
                .status(SecurityResponse.SecurityStatus.FAILURE)
                .statusCode(401)
                .description(e.getMessage())
                .responseHeader("WWW-Authenticate", challenge)
                .build();
    }
}
