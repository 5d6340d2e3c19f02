package io.datapipe.generator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;
import io.datapipe.http.ApiException;
import io.datapipe.messaging.rabbitmq.OutgoingRabbitMqMessage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Publishes accepted records to the {@value RecordMessage#CHANNEL} channel and waits for the broker's confirm. A
 * record is accepted only when the broker has it; otherwise the caller gets 503 with
 * {@code Retry-After} and nothing is reported as accepted.
 *
 * <p>A 503 after a lost connection or a timeout does not prove the broker lacks the message: a retried
 * POST may then store the payload twice under two ids. Clients that need exactly-once send an
 * {@code Idempotency-Key}.
 */
@ApplicationScoped
public class RecordPublisher {

    private static final System.Logger LOGGER = System.getLogger(RecordPublisher.class.getName());

    private final Emitter<byte[]> records;
    private final RecordCodec codec = RecordCodec.standard();
    private final Duration confirmTimeout;
    private final Duration retryAfter;
    private final GeneratorMetrics metrics;

    @Inject
    RecordPublisher(@Channel(RecordMessage.CHANNEL) Emitter<byte[]> records,
                    GeneratorMetrics metrics,
                    @ConfigProperties GeneratorConfig config) {
        this.records = records;
        this.metrics = metrics;
        this.confirmTimeout = config.publishWait();
        this.retryAfter = config.retryAfter();
    }

    /**
     * Publishes a record and waits for the broker to confirm it. Its id is minted by the caller: a retry
     * with an idempotency key publishes the same id again, so that the persister stores it once whatever
     * happened to the first attempt.
     *
     * @param record the record
     * @throws ApiException 503 when the broker did not confirm
     */
    public void publish(RecordMessage record) {
        publishAll(List.of(record));
    }

    /**
     * Publishes records, one message each, and waits until the broker has confirmed every one of them. They
     * are all sent before any confirm is awaited, so a batch costs about one round trip to the broker.
     *
     * @param records the records
     * @throws ApiException 503 when the broker did not confirm them all: some may be on the broker, so a
     *                      retry must publish the same ids (the persister stores an id once)
     */
    public void publishAll(List<RecordMessage> records) {
        long sent = System.nanoTime();
        CompletableFuture<?>[] confirms = new CompletableFuture<?>[records.size()];
        for (int i = 0; i < confirms.length; i++) {
            CompletableFuture<Void> confirmed = new CompletableFuture<>();
            confirms[i] = confirmed;
            RecordMessage record = records.get(i);
            try {
                this.records.send(OutgoingRabbitMqMessage.builder(codec.encode(record))
                                          .messageId(record.id().toString())
                                          .contentType(RecordCodec.CONTENT_TYPE)
                                          .header(RecordCodec.USER_ID_HEADER, record.userId())
                                          .completing(confirmed)
                                          .build());
            } catch (IllegalStateException overflow) {
                throw unavailable("too many records are waiting for the broker; try again shortly", overflow);
            }
        }
        try {
            CompletableFuture.allOf(confirms).get(confirmTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unavailable("the message broker did not accept the record", e.getCause());
        } catch (TimeoutException e) {
            throw unavailable("the message broker did not confirm the record in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the request was interrupted while waiting for the broker", e);
        }
        metrics.accepted(records.size(), Duration.ofNanos(System.nanoTime() - sent));
    }

    private ApiException unavailable(String detail, Throwable cause) {
        LOGGER.log(WARNING, () -> detail + ": " + cause);
        metrics.rejected("broker_unavailable");
        return ApiException.serviceUnavailable(detail, retryAfter);
    }
}
