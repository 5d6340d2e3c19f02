package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;
import io.datapipe.messaging.rabbitmq.DeadLetterException;
import io.datapipe.messaging.rabbitmq.FailureHeaders;
import io.datapipe.messaging.rabbitmq.IncomingRabbitMqMetadata;

import com.rabbitmq.client.AMQP;
import org.eclipse.microprofile.config.Config;

/**
 * What happens to a message its consumer nacks.
 *
 * <ul>
 *     <li>A nack whose reason is (or is caused by) a {@link DeadLetterException} is hopeless: the message
 *     goes to the dead-letter exchange at once, with headers saying why.</li>
 *     <li>Any other nack, with {@code failure-strategy=retry-queues}: the message is republished to the retry
 *     exchange with routing key {@code <delay>ms} for the next delay of {@code retry-delays-ms}, to wait in the
 *     retry queue {@code <queue>.retry.<delay>ms} that the topology binds there and that dead-letters it back to
 *     the queue when its TTL expires (the connector declares none of them), so a transient failure is
 *     retried after a pause rather than in a hot loop. When the delays
 *     are used up, it goes to the dead-letter exchange with headers saying why.</li>
 *     <li>Any other nack, with {@code failure-strategy=requeue} (the default): the broker requeues it.</li>
 * </ul>
 *
 * Retry and dead-letter copies are published with confirms before the original is acknowledged, so a
 * failure in between can duplicate a message but never lose it. The queue's {@code x-delivery-limit} is
 * left to guard against consumers that crash on a message: intentional failures never requeue, so the
 * limit counts the same on RabbitMQ 3.x (where a requeue counts as a delivery) and 4.x (where only a
 * reject does).
 */
final class FailurePolicy {

    /** The longest failure message kept in {@link FailureHeaders#FAILURE_MESSAGE}. */
    static final int MAX_FAILURE_MESSAGE_LENGTH = 1_000;


    /** What to do with the original message once the failure is handled. */
    enum Settlement {
        /** A copy is safely elsewhere: acknowledge the original. */
        ACK,
        /** Requeue the original. */
        REQUEUE,
        /** Reject the original without requeueing (the queue's own dead-lettering, if any, applies). */
        REJECT
    }

    /** Where a failed message went, and so how to settle the original. */
    enum Outcome {
        /** A copy waits in a retry queue. */
        RETRY(Settlement.ACK),
        /** A copy is in the dead-letter exchange, with the reason. */
        DEAD_LETTER(Settlement.ACK),
        /** The broker requeues the original. */
        REQUEUE(Settlement.REQUEUE),
        /** The original is rejected. */
        REJECT(Settlement.REJECT);

        private final Settlement settlement;

        Outcome(Settlement settlement) {
            this.settlement = settlement;
        }

        Settlement settlement() {
            return settlement;
        }
    }

    private final String queue;
    private final Optional<String> deadLetterExchange;
    private final boolean retryQueues;
    private final List<Long> delays;
    private final String retryExchange;
    private final String consumer;

    private FailurePolicy(String queue, Optional<String> deadLetterExchange, boolean retryQueues, List<Long> delays,
                          String retryExchange, String consumer) {
        this.queue = queue;
        this.deadLetterExchange = deadLetterExchange;
        this.retryQueues = retryQueues;
        this.delays = List.copyOf(delays);
        this.retryExchange = retryExchange;
        this.consumer = consumer;
    }

    static FailurePolicy from(Config config, String queue, TopologySettings topology, String consumer) {
        String strategy = ConnectorAttribute.FAILURE_STRATEGY.<String>require(config);
        if (!strategy.equals("requeue") && !strategy.equals("retry-queues")) {
            throw new IllegalArgumentException("failure-strategy must be requeue or retry-queues, not " + strategy);
        }
        List<Long> delays = Arrays.stream((strategy.equals("retry-queues") ? ConnectorAttribute.RETRY_DELAYS_MS.<String>require(config) : "")
                                                  .split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .map(Long::parseLong)
                .toList();
        if (delays.stream().anyMatch(delay -> delay <= 0)) {
            throw new IllegalArgumentException("retry-delays-ms must be positive");
        }
        return new FailurePolicy(queue, topology.deadLetterExchange(), strategy.equals("retry-queues"), delays,
                                 ConnectorAttribute.RETRY_EXCHANGE.<String>read(config).orElse(queue + ".retry"),
                                 consumer);
    }

    static String retryQueue(String queue, long delayMs) {
        return queue + ".retry." + delayMs + "ms";
    }

    static String retryRoutingKey(long delayMs) {
        return delayMs + "ms";
    }

    /**
     * Handles a failed message: sends a copy where it belongs, and says how to settle the original.
     *
     * @throws IOException when the copy could not be placed; the original must then be requeued
     */
    Outcome handle(IncomingRabbitMqMessage message, Throwable reason, Republisher republisher) throws IOException {
        boolean hopeless = deadLetterRequested(reason);
        if (!hopeless && !retryQueues) {
            return Outcome.REQUEUE;
        }
        int retries = retries(message);
        if (!hopeless && retries < delays.size()) {
            long delay = delays.get(retries);
            Map<String, Object> headers = failureHeaders(message, reason);
            headers.put(FailureHeaders.RETRY_COUNT, retries + 1);
            republisher.publish(retryExchange, retryRoutingKey(delay), copy(message, headers), message.getPayload());
            return Outcome.RETRY;
        }
        if (deadLetterExchange.isEmpty()) {
            return Outcome.REJECT;
        }
        Map<String, Object> headers = failureHeaders(message, reason);
        headers.put(FailureHeaders.RETRY_COUNT, retries);
        headers.put(FailureHeaders.ATTEMPTS, retries + 1);
        headers.put(FailureHeaders.DEAD_LETTER_REASON, hopeless ? "rejected" : "retries-exhausted");
        String routingKey = String.valueOf(headers.get(FailureHeaders.ORIGINAL_ROUTING_KEY));
        republisher.publish(deadLetterExchange.get(), routingKey, copy(message, headers), message.getPayload());
        return Outcome.DEAD_LETTER;
    }

    /** The queues a consumer with this policy uses besides its own: the retry queues. */
    java.util.List<String> retryQueues() {
        return retryQueues ? delays.stream().map(delay -> retryQueue(queue, delay)).toList() : java.util.List.of();
    }

    private static int retries(IncomingRabbitMqMessage message) {
        Object value = message.metadata().headers().get(FailureHeaders.RETRY_COUNT);
        return value instanceof Number number ? number.intValue() : 0;
    }

    private Map<String, Object> failureHeaders(IncomingRabbitMqMessage message, Throwable reason) {
        Map<String, Object> headers = new HashMap<>(message.metadata().headers());
        // Broker-managed headers describe the previous delivery, not the copy.
        headers.remove(IncomingRabbitMqMetadata.DELIVERY_COUNT_HEADER);
        headers.putIfAbsent(FailureHeaders.ORIGINAL_EXCHANGE, message.metadata().envelope().getExchange());
        headers.putIfAbsent(FailureHeaders.ORIGINAL_ROUTING_KEY, message.metadata().routingKey());
        headers.put(FailureHeaders.ORIGINAL_QUEUE, queue);
        Throwable cause = reason instanceof DeadLetterException && reason.getCause() != null ? reason.getCause() : reason;
        headers.put(FailureHeaders.FAILURE_CLASS, cause.getClass().getName());
        String text = String.valueOf(reason.getMessage());
        headers.put(FailureHeaders.FAILURE_MESSAGE,
                    text.length() > MAX_FAILURE_MESSAGE_LENGTH ? text.substring(0, MAX_FAILURE_MESSAGE_LENGTH) : text);
        headers.put(FailureHeaders.FAILED_AT, Instant.now().toString());
        headers.put("x-failed-by", consumer);
        return headers;
    }

    private static AMQP.BasicProperties copy(IncomingRabbitMqMessage message, Map<String, Object> headers) {
        return message.metadata().properties().builder()
                .deliveryMode(2)
                .headers(headers)
                .build();
    }

    /** Whether a nack reason is, or was caused by, a {@link DeadLetterException}: retrying cannot help. */
    static boolean deadLetterRequested(Throwable reason) {
        for (Throwable t = reason; t != null; t = t.getCause()) {
            if (t instanceof DeadLetterException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
