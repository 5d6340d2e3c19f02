package io.datapipe.persister;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;
import io.datapipe.http.ApiException;
import io.datapipe.http.LimitParameter;
import io.datapipe.messaging.rabbitmq.DeadLetterQueue;
import io.datapipe.messaging.rabbitmq.DeadLetterQueues;
import io.datapipe.messaging.rabbitmq.FailureHeaders;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import static java.lang.System.Logger.Level.INFO;

/**
 * The dead-letter queue, for operators (role {@code data.admin}).
 * <ul>
 *     <li>{@code GET /admin/dead-letters?limit=}: how many messages are dead-lettered and, for the oldest,
 *     why (reason, failure, attempts, when); bodies are not shown, they are users' data;</li>
 *     <li>{@code POST /admin/dead-letters/replay?limit=}: moves the oldest back to the work queue, once
 *     whatever made them fail is fixed.</li>
 * </ul>
 * {@link DeadLetterRoutes} serves them, having checked the caller, the role and the limits.
 */
@ApplicationScoped
public class DeadLetterResource {

    private static final System.Logger LOGGER = System.getLogger(DeadLetterResource.class.getName());
    private static final int MAX_LIMIT = 1_000;
    private static final int LIST_LIMIT = 20;
    private static final int REPLAY_LIMIT = 100;

    private final DeadLetterQueues queues;

    @Inject
    DeadLetterResource(DeadLetterQueues queues) {
        this.queues = queues;
    }

    /**
     * A dead-lettered message as operators see it.
     *
     * @param messageId          the record id
     * @param userId             whose record it is
     * @param reason             {@code rejected} (not a valid record) or {@code retries-exhausted}
     * @param failure            class and message of the last failure
     * @param attempts           how many times it was tried
     * @param originalRoutingKey the routing key it was published with
     * @param failedAt           when it was given up on
     * @param bodyBytes          the size of its body
     */
    public record DeadLetterView(String messageId, String userId, String reason, String failure, String attempts,
                                 String originalRoutingKey, String failedAt, int bodyBytes) {
    }

    /**
     * The queue and its oldest messages.
     *
     * @param queue    the dead-letter queue
     * @param depth    messages in it
     * @param messages the oldest ones
     */
    public record DeadLetterPage(String queue, long depth, List<DeadLetterView> messages) {
    }

    /**
     * The outcome of a replay.
     *
     * @param replayed how many messages went back to the work queue
     * @param to       the work queue
     */
    public record Replay(int replayed, String to) {
    }

    /**
     * What is dead-lettered, and why.
     *
     * @param limit the {@code limit} query parameter (how many of the oldest to show, 20 without it), or {@code null}
     * @return the queue's depth and its oldest messages
     * @throws ApiException 400 for a limit out of range, 404 without a dead-letter queue, 503 when the broker
     *                      is unavailable
     */
    DeadLetterPage list(String limit) {
        DeadLetterQueue queue = queue();
        try {
            DeadLetterQueue.Peek peek = queue.peek(LimitParameter.parse(limit, LIST_LIMIT, MAX_LIMIT));
            return new DeadLetterPage(queue.name(), peek.depth(), peek.messages().stream().map(DeadLetterResource::view).toList());
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    /**
     * Moves the oldest dead-lettered messages back to the work queue.
     *
     * @param limit the {@code limit} query parameter (how many, 100 without it), or {@code null}
     * @return how many went back, and where
     * @throws ApiException as {@link #list}
     */
    Replay replay(String limit) {
        DeadLetterQueue queue = queue();
        try {
            int replayed = queue.replay(LimitParameter.parse(limit, REPLAY_LIMIT, MAX_LIMIT));
            LOGGER.log(INFO, () -> "replayed " + replayed + " dead-lettered message(s) to " + queue.workQueue());
            return new Replay(replayed, queue.workQueue());
        } catch (IOException e) {
            throw unavailable(e);
        }
    }

    private DeadLetterQueue queue() {
        return queues.of(RecordMessage.CHANNEL).orElseThrow(
                () -> ApiException.notFound("this persister has no dead-letter queue configured"));
    }

    private static ApiException unavailable(IOException e) {
        LOGGER.log(System.Logger.Level.WARNING, () -> "dead-letter queue operation failed: " + e.getMessage());
        return ApiException.serviceUnavailable("the message broker is unavailable", Duration.ofSeconds(5));
    }

    private static DeadLetterView view(DeadLetterQueue.DeadLetter message) {
        Map<String, String> headers = message.headers();
        String failure = headers.getOrDefault(FailureHeaders.FAILURE_CLASS, "") + ": "
                + headers.getOrDefault(FailureHeaders.FAILURE_MESSAGE, "");
        return new DeadLetterView(message.messageId().orElse(null),
                                  headers.get(RecordCodec.USER_ID_HEADER),
                                  headers.getOrDefault(FailureHeaders.DEAD_LETTER_REASON, headers.get("x-first-death-reason")),
                                  failure,
                                  headers.get(FailureHeaders.ATTEMPTS),
                                  headers.get(FailureHeaders.ORIGINAL_ROUTING_KEY),
                                  headers.get(FailureHeaders.FAILED_AT),
                                  message.bodyBytes());
    }
}
