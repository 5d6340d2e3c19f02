package io.datapipe.security;

import java.util.List;
import java.util.Map;

import io.datapipe.http.ApiException;
import io.datapipe.http.ApiRoutes;
import io.datapipe.http.Problem;

import org.eclipse.microprofile.config.Config;

/**
 * Authenticates a request by its {@code Authorization: Bearer} token and checks a role, for the endpoints the
 * services serve through {@link ApiRoutes}. The checks are the {@link TokenVerifier}'s; the refusals: 401 with a
 * {@code WWW-Authenticate: Bearer} challenge (RFC 6750), 403 without the role, 503 with {@code Retry-After} when
 * the verification keys cannot be loaded.
 */
public final class BearerAuthentication {

    static final String REALM = "datapipe";
    static final String FORBIDDEN_DETAIL = "the token does not carry a role that allows this request";
    static final String KEYS_RETRY_AFTER_SECONDS = "5";

    private final TokenVerifier verifier;

    public BearerAuthentication(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    /**
     * Authentication with the process's verifier of the configured token settings ({@link TokenVerifier#of}).
     *
     * @param config the configuration ({@code datapipe.jwt.*})
     * @return the authentication
     */
    public static BearerAuthentication from(Config config) {
        return new BearerAuthentication(TokenVerifier.of(JwtSettings.from(config)));
    }

    /**
     * The authenticator of routes that need a role.
     *
     * @param role the role
     * @return the authenticator: the caller's user id, or the refusals of {@link #authenticate}
     */
    public ApiRoutes.Authenticator requiring(String role) {
        return authorization -> authenticate(authorization, role).subject();
    }

    /**
     * Who sends a request, if they may do what it asks.
     *
     * @param authorization the values of the request's {@code Authorization} header
     * @param role          the role the request needs
     * @return the verified token
     * @throws ApiException 401, 403 or 503 as the contract says
     */
    public VerifiedToken authenticate(List<String> authorization, String role) {
        VerifiedToken token;
        try {
            token = verifier.verify(bearerToken(authorization));
        } catch (TokenRejectedException e) {
            throw refusal(e);
        }
        if (!token.roles().contains(role)) {
            throw new ApiException(Problem.of(403, "forbidden", "Forbidden", FORBIDDEN_DETAIL));
        }
        return token;
    }

    /** The token of the {@code Authorization} header's values, which must be exactly one {@code Bearer} credential. */
    static String bearerToken(List<String> values) throws TokenRejectedException {
        if (values.isEmpty()) {
            throw new TokenRejectedException(TokenRejectedException.Reason.MISSING,
                                             "a bearer token is required (Authorization: Bearer <token>)");
        }
        if (values.size() > 1) {
            throw new TokenRejectedException(TokenRejectedException.Reason.MALFORMED, "only one Authorization header is allowed");
        }
        String value = values.get(0).strip();
        int space = value.indexOf(' ');
        if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
            throw new TokenRejectedException(TokenRejectedException.Reason.MISSING,
                                             "the Authorization header must use the Bearer scheme");
        }
        String token = value.substring(space + 1).strip();
        if (token.isEmpty()) {
            throw new TokenRejectedException(TokenRejectedException.Reason.MISSING, "the bearer token is empty");
        }
        return token;
    }

    private static ApiException refusal(TokenRejectedException e) {
        if (e.reason() == TokenRejectedException.Reason.KEYS_UNAVAILABLE) {
            return new ApiException(Problem.of(503, "service-unavailable", "Service Unavailable", e.getMessage()),
                                    Map.of("Retry-After", KEYS_RETRY_AFTER_SECONDS));
        }
        return new ApiException(Problem.of(401, "unauthorized", "Unauthorized", e.getMessage()),
                                Map.of("WWW-Authenticate", challenge(e)));
    }

    /** The RFC 6750 challenge of a refused token. */
    static String challenge(TokenRejectedException e) {
        return e.reason() == TokenRejectedException.Reason.MISSING
                ? "Bearer realm=\"" + REALM + "\""
                : "Bearer realm=\"" + REALM + "\", error=\"invalid_token\"";
    }
}
