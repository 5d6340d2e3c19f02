package io.datapipe.security;

/**
 * A bearer token that does not authenticate its bearer. The message is fit for the client (it never
 * contains the token); the reason is fit for a metric label.
 */
public class TokenRejectedException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a token was refused. */
    public enum Reason {
        MISSING, MALFORMED, TOO_LARGE, UNSUPPORTED_ALGORITHM, UNKNOWN_KEY, BAD_SIGNATURE, EXPIRED,
        NOT_YET_VALID, WRONG_ISSUER, WRONG_AUDIENCE, INVALID_SUBJECT, INVALID_ROLES, KEYS_UNAVAILABLE
    }

    private final Reason reason;

    public TokenRejectedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** @return why the token was refused */
    public Reason reason() {
        return reason;
    }
}
