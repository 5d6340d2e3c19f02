package io.datapipe.contract;

import java.util.regex.Pattern;

/**
 * User ids are the {@code sub} claim of the caller's token. They are bounded in length and
 * characters so that a hostile token cannot smuggle control characters into logs, headers or
 * queries. The accepted set covers common identity providers ({@code auth0|abc},
 * {@code google-oauth2|123}, Cognito UUIDs, e-mail style subjects).
 */
public final class UserIds {

    /** Longest accepted user id. */
    public static final int MAX_LENGTH = 128;

    private static final Pattern VALID = Pattern.compile("^[A-Za-z0-9._@:|+=-]{1," + MAX_LENGTH + "}$");

    private UserIds() {
    }

    /**
     * Whether a text is an acceptable user id.
     *
     * @param userId candidate, may be {@code null}
     * @return {@code true} when it may be used as a user id
     */
    public static boolean isValid(String userId) {
        return userId != null && VALID.matcher(userId).matches();
    }
}
