package io.datapipe.contract;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.UUID;

import io.datapipe.contract.InvalidJsonException.Reason;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a {@link RecordMessage}, written by the generator and read by the persister:
 * {@code {"id":"<uuid>","userId":"<sub>","payload":{...},"receivedAt":"<ISO-8601 instant>"}}.
 *
 * <p>Decoding is strict: a body that is not JSON, or lacks or mistypes a member, is refused with
 * a reason, so that the persister can dead-letter it at once instead of retrying it.
 */
public final class RecordCodec {

    /** The AMQP content type of a record message. */
    public static final String CONTENT_TYPE = "application/json";
    /** The AMQP header that carries the user id, so that it can be seen without parsing the body. */
    public static final String USER_ID_HEADER = "user-id";

    static final String ID = "id";
    static final String USER_ID = "userId";
    static final String PAYLOAD = "payload";
    static final String RECEIVED_AT = "receivedAt";

    private final BoundedJson json;

    /**
     * A codec for messages whose payload is bounded by {@code payloadLimits}.
     *
     * @param payloadLimits limits of the payload; the envelope gets a little more room
     */
    public RecordCodec(JsonLimits payloadLimits) {
        this.json = new BoundedJson(payloadLimits.forEnvelope());
    }

    /**
     * A codec with the limits of the HTTP contract.
     *
     * @return a codec
     */
    public static RecordCodec standard() {
        return new RecordCodec(JsonLimits.PAYLOAD);
    }

    /**
     * Writes a message body.
     *
     * @param message the record
     * @return its JSON, UTF-8
     */
    public byte[] encode(RecordMessage message) {
        ObjectNode root = json.mapper().createObjectNode();
        root.put(ID, message.id().toString());
        root.put(USER_ID, message.userId());
        root.set(PAYLOAD, message.payload());
        root.put(RECEIVED_AT, message.receivedAt().toString());
        try {
            return json.mapper().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            // A tree of plain nodes always serializes; anything else is a bug.
            throw new IllegalStateException("record could not be serialized", e);
        }
    }

    /**
     * Reads a message body.
     *
     * @param body the message body
     * @return the record
     * @throws InvalidJsonException when the body is not a valid record message
     */
    public RecordMessage decode(byte[] body) throws InvalidJsonException {
        ObjectNode root = json.parseObject(body);
        UUID id = text(root, ID).flatMap(RecordIds::parse)
                .orElseThrow(() -> schema("\"id\" must be a UUID"));
        String userId = text(root, USER_ID).filter(UserIds::isValid)
                .orElseThrow(() -> schema("\"userId\" must be a valid user id"));
        JsonNode payload = root.get(PAYLOAD);
        if (payload == null || !payload.isObject()) {
            throw schema("\"payload\" must be a JSON object");
        }
        Instant receivedAt = text(root, RECEIVED_AT).flatMap(RecordCodec::instant)
                .orElseThrow(() -> schema("\"receivedAt\" must be an ISO-8601 instant"));
        return new RecordMessage(id, userId, (ObjectNode) payload, receivedAt);
    }

    /**
     * Writes a payload alone, as stored in the database.
     *
     * @param payload the payload
     * @return its JSON text
     */
    public String payloadText(ObjectNode payload) {
        try {
            return json.mapper().writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("payload could not be serialized", e);
        }
    }

    private static Optional<String> text(ObjectNode root, String field) {
        JsonNode node = root.get(field);
        return node != null && node.isTextual() ? Optional.of(node.textValue()) : Optional.empty();
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static InvalidJsonException schema(String message) {
        return new InvalidJsonException(Reason.SCHEMA, message);
    }
}
