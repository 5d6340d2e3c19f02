package io.datapipe.generator;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The answer to an accepted batch: every record is on the broker and will be stored.
 *
 * @param ids        the record ids, in the order of the records in the request
 * @param userId     whose records they are
 * @param receivedAt when the batch was accepted
 */
public record AcceptedBatch(List<UUID> ids, String userId, Instant receivedAt) {
}
