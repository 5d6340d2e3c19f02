package io.datapipe.generator;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;
import io.datapipe.http.ApiException;
import io.datapipe.messaging.rabbitmq.OutgoingRabbitMqMessage;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;

import static jakarta.interceptor.Interceptor.Priority.PLATFORM_BEFORE;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Publishes accepted records to the {@value RecordMessage#CHANNEL} channel and waits for the broker's confirm. A
 * record is accepted only when the broker has it; otherwise the caller gets 503 with
 * {@code Retry-After} and nothing is reported as accepted.
 *
 * <p>A 503 after a lost connection or a timeout does not prove the broker lacks the message: a retried
 * POST may then store the payload twice under two ids. Clients that need exactly-once send an
 * {@code Idempotency-Key}.
 *
 * <p>At most {@code datapipe.publish.max-waiting-records} records, all requests together, wait for the broker
 * at once: a request first takes one permit per record (fairly: a batch is not overtaken for ever by single
 * records), and each record gives its permit back when its confirm or its failure comes. A request that gets
 * no permits within its confirm deadline gets 503; one that gets them waits for the confirms only as long as is
 * left of the same deadline. The emitter's buffer ({@code mp.messaging.emitter.default-buffer-size}) is derived
 * from the same setting: it can hold every permitted record, so whatever the connector asks for at that instant
 * ({@code max-in-flight} at most) the emitter never overflows, and a momentary slowdown of the broker's confirms
 * makes requests wait rather than fail.
 */
@ApplicationScoped
public class RecordPublisher {

    private static final System.Logger LOGGER = System.getLogger(RecordPublisher.class.getName());

    private final Emitter<byte[]> records;
    private final RecordCodec codec = RecordCodec.standard();
    private final Duration confirmTimeout;
    private final Duration retryAfter;
    private final GeneratorMetrics metrics;
    private final Semaphore waiting;

    @Inject
    RecordPublisher(@Channel(RecordMessage.CHANNEL) Emitter<byte[]> records,
                    GeneratorMetrics metrics,
                    @ConfigProperties GeneratorConfig config) {
        this.records = records;
        this.metrics = metrics;
        this.confirmTimeout = config.publishWait();
        this.retryAfter = config.retryAfter();
        this.waiting = new Semaphore(config.maxWaitingRecords(), true);
    }

    /**
     * Checks the generator's settings when the application starts, before the server takes requests: settings
     * that disagree stop the start with a message naming them.
     *
     * @param started the application context's start
     * @param config  the settings
     */
    static void checkSettings(@Observes @Priority(PLATFORM_BEFORE) @Initialized(ApplicationScoped.class) Object started,
                              @ConfigProperties GeneratorConfig config) {
        config.validate();
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
        long deadline = System.nanoTime() + confirmTimeout.toNanos();
        int count = records.size();
        try {
            // One deadline bounds the whole request: the wait for room here, then the wait for the confirms.
            if (!waiting.tryAcquire(count, deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                throw unavailable("too many records are waiting for the broker; try again shortly",
                                  new TimeoutException("no room for " + count + " records within "
                                                               + confirmTimeout.toMillis() + " ms"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the request was interrupted while waiting for the broker", e);
        }
        long sent = System.nanoTime();
        CompletableFuture<?>[] confirms = new CompletableFuture<?>[count];
        int handed = 0;
        try {
            for (; handed < count; handed++) {
                CompletableFuture<Void> confirmed = new CompletableFuture<>();
                RecordMessage record = records.get(handed);
                this.records.send(OutgoingRabbitMqMessage.builder(codec.encode(record))
                                          .messageId(record.id().toString())
                                          .contentType(RecordCodec.CONTENT_TYPE)
                                          .header(RecordCodec.USER_ID_HEADER, record.userId())
                                          .completing(confirmed)
                                          .build());
                // Acked or nacked (the connector settles every message it was given, at the latest at its
                // confirm timeout), the record no longer waits for the broker.
                confirmed.whenComplete((ignored, failure) -> waiting.release());
                confirms[handed] = confirmed;
            }
        } catch (IllegalStateException overflow) {
            // The permits keep the emitter's buffer from filling; this is a defence, not a path.
            throw unavailable("too many records are waiting for the broker; try again shortly", overflow);
        } finally {
            // The permits of the records the emitter never took.
            waiting.release(count - handed);
        }
        try {
            CompletableFuture.allOf(confirms).get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw unavailable("the message broker did not accept the record", e.getCause());
        } catch (TimeoutException e) {
            throw unavailable("the message broker did not confirm the record in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the request was interrupted while waiting for the broker", e);
        }
        metrics.accepted(count, Duration.ofNanos(System.nanoTime() - sent));
    }

    private ApiException unavailable(String detail, Throwable cause) {
        LOGGER.log(WARNING, () -> detail + ": " + cause);
        metrics.rejected("broker_unavailable");
        return ApiException.serviceUnavailable(detail, retryAfter);
    }
}
