package io.datapipe.contract;

/**
 * A document that is not acceptable JSON for its purpose. The {@link Reason} says why, in a form
 * fit for a metric label or a problem type; the message is safe to show to the sender (it never
 * echoes the document).
 */
public class InvalidJsonException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a document was refused. */
    public enum Reason {
        /** Not well-formed JSON, or not valid UTF-8. */
        MALFORMED,
        /** Well-formed, but not a JSON object. */
        NOT_AN_OBJECT,
        /** More bytes than allowed. */
        TOO_LARGE,
        /** Nested deeper than allowed. */
        TOO_DEEP,
        /** More object members than allowed. */
        TOO_MANY_FIELDS,
        /** A string longer than allowed. */
        STRING_TOO_LONG,
        /** A member appears twice in one object. */
        DUPLICATE_FIELD,
        /** A number PostgreSQL's {@code jsonb} cannot hold (too many digits or too large an exponent). */
        NUMBER_OUT_OF_RANGE,
        /** A string with a character {@code jsonb} cannot hold: U+0000 or an unpaired surrogate. */
        UNSUPPORTED_CHARACTER,
        /** Valid JSON that does not follow the record message schema. */
        SCHEMA
    }

    private final Reason reason;

    public InvalidJsonException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidJsonException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /**
     * Why the document was refused.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
