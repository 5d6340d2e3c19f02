package io.datapipe.contract;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One record as it travels from the generator to the persister: the body of the AMQP message
 * {@code {"id","userId","payload","receivedAt"}}.
 *
 * @param id         the record id, a time-ordered UUID (version 7) minted by the generator
 * @param userId     the {@code sub} of the caller who posted it
 * @param payload    the JSON object the caller posted
 * @param receivedAt when the generator accepted it (millisecond precision)
 */
public record RecordMessage(UUID id, String userId, ObjectNode payload, Instant receivedAt) {

    /**
     * The MicroProfile Reactive Messaging channel that carries record messages: the generator's outgoing
     * and the persister's incoming channel ({@code mp.messaging.*.records.*}).
     */
    public static final String CHANNEL = "records";

    public RecordMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }
}
