package io.datapipe.generator;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.datapipe.contract.RecordMessage;
import io.datapipe.http.Answer;
import io.datapipe.http.ApiException;
import io.datapipe.http.RateLimits;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Records in batches, write side.
 * <ul>
 *     <li>{@code POST /data/batch} (role {@code data.write}, {@code Idempotency-Key} required): accepts a
 *     JSON array of up to 500 objects (1 MiB) as records of the caller, each held to the rules of
 *     {@code POST /data}, and answers {@code 202 Accepted} with their ids in order once the broker holds
 *     every one. All or nothing from the caller's view: a refused record refuses the whole batch before
 *     anything is published, and a batch the broker did not wholly confirm is a 503 whose retry with the
 *     same key publishes the same ids (stored once).</li>
 * </ul>
 * {@link DataRoutes} serves it, having checked the caller, the role, the limits and the media type.
 */
@ApplicationScoped
public class BatchResource {

    private final BatchReader batches;
    private final RecordPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final RateLimits limits;
    private final GeneratorMetrics metrics;

    @Inject
    BatchResource(BatchReader batches, RecordPublisher publisher, IdempotencyKeys idempotency, RateLimits limits,
                  GeneratorMetrics metrics) {
        this.batches = batches;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.limits = limits;
        this.metrics = metrics;
    }

    /**
     * Accepts a batch.
     *
     * @param body           the request body
     * @param contentLength  its declared length, or {@code null}
     * @param idempotencyKey the {@code Idempotency-Key} header, or {@code null}
     * @param userId         the authenticated caller
     * @param quota          the caller's rate-limit quota, charged for the records beyond the request's first
     * @return {@code 202} with the records' ids in order
     * @throws ApiException when the batch is refused, or the broker did not confirm every record
     */
    Answer create(InputStream body, String contentLength, String idempotencyKey, String userId, RateLimits.Quota quota) {
        if (idempotencyKey == null) {
            throw ApiException.badRequest("IDEMPOTENCY_KEY_REQUIRED", "a batch needs an Idempotency-Key header, so that a "
                    + "retry after a 503 publishes the same ids instead of storing part of the batch twice");
        }
        IdempotencyKeys.validate(idempotencyKey);
        BatchReader.Batch batch;
        try {
            batch = batches.read(body, contentLength);
        } catch (ApiException refused) {
            metrics.rejected(refused.problem().status() == 413 ? "too_large" : "invalid_batch");
            throw refused;
        }
        limits.charge(quota, batch.records().size());
        IdempotencyKeys.Accepted outcome = idempotency.acceptOnce(
                userId, idempotencyKey, batch.bytes(), batch.records().size(),
                identity -> publisher.publishAll(messages(batch, userId, identity)));
        return new Answer(202, outcome.replayed() ? Map.of("Idempotent-Replayed", "true") : Map.of(),
                          new AcceptedBatch(outcome.identity().ids(), userId, outcome.identity().receivedAt()));
    }

    private static List<RecordMessage> messages(BatchReader.Batch batch, String userId, IdempotencyKeys.Identity identity) {
        List<RecordMessage> messages = new ArrayList<>(batch.records().size());
        for (int i = 0; i < batch.records().size(); i++) {
            messages.add(new RecordMessage(identity.ids().get(i), userId, batch.records().get(i), identity.receivedAt()));
        }
        return messages;
    }
}
