package io.datapipe.generator;

import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;

import io.datapipe.contract.RecordMessage;
import io.datapipe.http.Answer;
import io.datapipe.http.ApiException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Records, write side.
 * <ul>
 *     <li>{@code POST /data} (role {@code data.write}): accepts one JSON object of at most 64 KiB as a
 *     record of the caller, and answers {@code 202 Accepted} once the broker holds it.</li>
 * </ul>
 * {@link DataRoutes} serves it, having checked the caller, the role, the limits and the media type.
 */
@ApplicationScoped
public class DataResource {

    private final PayloadReader payloads;
    private final RecordPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final GeneratorMetrics metrics;

    @Inject
    DataResource(PayloadReader payloads, RecordPublisher publisher, IdempotencyKeys idempotency, GeneratorMetrics metrics) {
        this.payloads = payloads;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.metrics = metrics;
    }

    /**
     * Accepts a record.
     *
     * @param body           the request body
     * @param contentLength  its declared length, or {@code null}
     * @param idempotencyKey the {@code Idempotency-Key} header, or {@code null}
     * @param userId         the authenticated caller
     * @return {@code 202} with the record's id
     * @throws ApiException when the record is refused, or the broker did not confirm it
     */
    Answer create(InputStream body, String contentLength, String idempotencyKey, String userId) {
        Payload payload;
        try {
            payload = payloads.read(body, contentLength);
        } catch (ApiException refused) {
            metrics.rejected(String.valueOf(refused.problem().extensions().getOrDefault("reason",
                                                                                       refused.problem().status() == 413 ? "too_large" : "invalid")));
            throw refused;
        }
        IdempotencyKeys.Accepted outcome = idempotency.acceptOnce(
                userId, idempotencyKey, payload.bytes(), 1,
                identity -> publisher.publish(new RecordMessage(identity.id(), userId, payload.json(), identity.receivedAt())));
        AcceptedRecord accepted = new AcceptedRecord(outcome.identity().id(), userId, outcome.identity().receivedAt());
        Map<String, String> headers = new HashMap<>();
        // A relative Location (RFC 9110 allows it): behind the gateway the service's own host is not the client's.
        headers.put("Location", "/data/" + accepted.id());
        if (outcome.replayed()) {
            headers.put("Idempotent-Replayed", "true");
        }
        return new Answer(202, headers, accepted);
    }
}
