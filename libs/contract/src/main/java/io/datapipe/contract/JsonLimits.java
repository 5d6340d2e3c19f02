package io.datapipe.contract;

/**
 * Bounds on a JSON document, enforced while it is parsed so that a hostile document costs no more
 * than the limits allow.
 *
 * @param maxBytes        largest document, in bytes
 * @param maxDepth        deepest nesting of objects and arrays
 * @param maxFields       most object members in the whole document
 * @param maxStringLength longest string value, in characters
 */
public record JsonLimits(int maxBytes, int maxDepth, int maxFields, int maxStringLength) {

    /** The record payload limits of the HTTP contract: 64 KiB, 32 levels, 1 000 fields, 16 Ki characters. */
    public static final JsonLimits PAYLOAD = new JsonLimits(64 * 1024, 32, 1_000, 16 * 1024);

    public JsonLimits {
        if (maxBytes <= 0 || maxDepth <= 0 || maxFields <= 0 || maxStringLength <= 0) {
            throw new IllegalArgumentException("JSON limits must be positive");
        }
    }

    /**
     * Limits for a whole record message: the payload limits plus room for the envelope
     * ({@code id}, {@code userId}, {@code receivedAt}) and one more level of nesting.
     *
     * @return limits for decoding a message body
     */
    public JsonLimits forEnvelope() {
        return new JsonLimits(maxBytes + 1024, maxDepth + 1, maxFields + 4, maxStringLength);
    }
}
