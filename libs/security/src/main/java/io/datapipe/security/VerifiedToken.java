package io.datapipe.security;

import java.time.Instant;
import java.util.Set;

/**
 * What a verified token says about its bearer.
 *
 * @param subject   the user id ({@code sub})
 * @param roles     the roles from the role claims
 * @param expiresAt when the token expires
 */
public record VerifiedToken(String subject, Set<String> roles, Instant expiresAt) {

    public VerifiedToken {
        roles = Set.copyOf(roles);
    }
}
