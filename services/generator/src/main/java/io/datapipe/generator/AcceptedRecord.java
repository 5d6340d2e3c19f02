package io.datapipe.generator;

import java.time.Instant;
import java.util.UUID;

/**
 * The answer to an accepted record: it is on the broker and will be stored.
 *
 * @param id         the record id, also in the {@code Location} header
 * @param userId     whose record it is
 * @param receivedAt when it was accepted
 */
public record AcceptedRecord(UUID id, String userId, Instant receivedAt) {
}
