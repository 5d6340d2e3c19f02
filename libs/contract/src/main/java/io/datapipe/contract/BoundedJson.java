package io.datapipe.contract;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

import io.datapipe.contract.InvalidJsonException.Reason;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Parses untrusted JSON within {@link JsonLimits}, and refuses what PostgreSQL's {@code jsonb}
 * could not store, so that a document accepted at the edge can always be persisted.
 *
 * <p>Jackson enforces depth and string length while it reads; size is checked before reading;
 * members, characters and numbers are checked on the parsed tree, whose size the other limits
 * already bound. Error messages never quote the document.
 */
public final class BoundedJson {

    /** Digits before or after the decimal point that {@code jsonb} numerics can hold, with margin. */
    private static final int MAX_NUMBER_DIGITS = 1000;

    private final JsonLimits limits;
    private final ObjectMapper mapper;

    public BoundedJson(JsonLimits limits) {
        this.limits = limits;
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                                               .maxNestingDepth(limits.maxDepth())
                                               .maxStringLength(limits.maxStringLength())
                                               .maxNameLength(limits.maxStringLength())
                                               .maxNumberLength(MAX_NUMBER_DIGITS)
                                               .build())
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .recyclerPool(JsonRecyclerPools.sharedBoundedPool())
                .build();
        this.mapper = new ObjectMapper(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    }

    /**
     * The limits this parser enforces.
     *
     * @return the limits
     */
    public JsonLimits limits() {
        return limits;
    }

    /**
     * The mapper used for parsing, configured for these limits; also fit for writing.
     *
     * @return the mapper
     */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Parses a document that must be one JSON object.
     *
     * @param bytes the document, UTF-8
     * @return the object
     * @throws InvalidJsonException when the document is refused; its reason says why
     */
    public ObjectNode parseObject(byte[] bytes) throws InvalidJsonException {
        JsonNode node = parse(bytes);
        if (!node.isObject()) {
            throw new InvalidJsonException(Reason.NOT_AN_OBJECT,
                                           "expected a JSON object, got " + describe(node));
        }
        return (ObjectNode) node;
    }

    /**
     * Parses a document that may be any JSON value.
     *
     * @param bytes the document, UTF-8
     * @return the value
     * @throws InvalidJsonException when the document is refused; its reason says why
     */
    public JsonNode parse(byte[] bytes) throws InvalidJsonException {
        if (bytes.length > limits.maxBytes()) {
            throw new InvalidJsonException(Reason.TOO_LARGE,
                                           "document is larger than " + limits.maxBytes() + " bytes");
        }
        if (bytes.length == 0) {
            throw new InvalidJsonException(Reason.MALFORMED, "document is empty");
        }
        JsonNode node;
        try {
            node = mapper.readTree(bytes);
        } catch (StreamConstraintsException e) {
            throw constraintViolation(e);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new InvalidJsonException(Reason.MALFORMED, "document could not be read", e);
        }
        if (node == null || node.isMissingNode()) {
            throw new InvalidJsonException(Reason.MALFORMED, "document is empty");
        }
        new TreeCheck(limits.maxFields()).check(node);
        return node;
    }

    private InvalidJsonException constraintViolation(StreamConstraintsException e) {
        String message = String.valueOf(e.getOriginalMessage());
        if (message.contains("nesting depth")) {
            return new InvalidJsonException(Reason.TOO_DEEP,
                                            "document is nested deeper than " + limits.maxDepth() + " levels", e);
        }
        if (message.startsWith("String ") || message.startsWith("Name ")) {
            return new InvalidJsonException(Reason.STRING_TOO_LONG, "a string or member name is longer than "
                                                                    + limits.maxStringLength() + " characters", e);
        }
        if (message.startsWith("Number ")) {
            return new InvalidJsonException(Reason.NUMBER_OUT_OF_RANGE,
                                            "a number has more than " + MAX_NUMBER_DIGITS + " digits", e);
        }
        return new InvalidJsonException(Reason.MALFORMED, "document exceeds a parser limit", e);
    }

    private static InvalidJsonException malformed(JsonProcessingException e) {
        String original = String.valueOf(e.getOriginalMessage());
        if (original.startsWith("Duplicate field")) {
            return new InvalidJsonException(Reason.DUPLICATE_FIELD, "an object has the same member twice" + at(e), e);
        }
        return new InvalidJsonException(Reason.MALFORMED, "document is not well-formed JSON" + at(e), e);
    }

    private static String at(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Walks a parsed tree, counting members and checking what Jackson does not. */
    private static final class TreeCheck {
        private final int maxFields;
        private int fields;

        private TreeCheck(int maxFields) {
            this.maxFields = maxFields;
        }

        void check(JsonNode node) throws InvalidJsonException {
            if (node.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> members = node.fields();
                while (members.hasNext()) {
                    Map.Entry<String, JsonNode> member = members.next();
                    if (++fields > maxFields) {
                        throw new InvalidJsonException(Reason.TOO_MANY_FIELDS,
                                                       "document has more than " + maxFields + " object members");
                    }
                    checkText(member.getKey());
                    check(member.getValue());
                }
            } else if (node.isArray()) {
                for (JsonNode element : node) {
                    check(element);
                }
            } else if (node.isTextual()) {
                checkText(node.textValue());
            } else if (node.isBigDecimal()) {
                checkNumber(node.decimalValue());
            } else if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue())) {
                // Jackson falls back to a double, infinite, when an exponent is beyond BigDecimal's reach.
                throw new InvalidJsonException(Reason.NUMBER_OUT_OF_RANGE,
                                               "a number is outside the range that can be stored");
            }
        }

        private static void checkText(String text) throws InvalidJsonException {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '\u0000') {
                    throw new InvalidJsonException(Reason.UNSUPPORTED_CHARACTER,
                                                   "strings must not contain U+0000");
                }
                if (Character.isHighSurrogate(c)) {
                    if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                        i++;
                        continue;
                    }
                    throw unpaired();
                }
                if (Character.isLowSurrogate(c)) {
                    throw unpaired();
                }
            }
        }

        private static InvalidJsonException unpaired() {
            return new InvalidJsonException(Reason.UNSUPPORTED_CHARACTER,
                                            "strings must not contain unpaired UTF-16 surrogates");
        }

        private static void checkNumber(BigDecimal number) throws InvalidJsonException {
            int integerDigits = number.precision() - number.scale();
            if (number.scale() > MAX_NUMBER_DIGITS || integerDigits > MAX_NUMBER_DIGITS) {
                throw new InvalidJsonException(Reason.NUMBER_OUT_OF_RANGE,
                                               "a number is outside the range that can be stored");
            }
        }
    }
}
