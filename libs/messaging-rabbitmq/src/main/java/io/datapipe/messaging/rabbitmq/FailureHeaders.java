package io.datapipe.messaging.rabbitmq;

/**
 * Headers the connector sets on a message it sends to a retry queue or to the dead-letter exchange,
 * so that whoever looks at it later knows what happened.
 */
public final class FailureHeaders {

    /** Retries so far (0 before the first). */
    public static final String RETRY_COUNT = "x-retry-count";
    /** Deliveries that failed, counting the last one: on a dead-lettered message, how many attempts were made. */
    public static final String ATTEMPTS = "x-attempts";
    /** Why the message was dead-lettered: {@code rejected} (hopeless at once) or {@code retries-exhausted}. */
    public static final String DEAD_LETTER_REASON = "x-dead-letter-reason";
    /** Class of the exception the last attempt failed with. */
    public static final String FAILURE_CLASS = "x-failure-class";
    /** Its message, shortened. */
    public static final String FAILURE_MESSAGE = "x-failure-message";
    /** When the last attempt failed (ISO-8601). */
    public static final String FAILED_AT = "x-failed-at";
    /** Exchange the message was first published to. */
    public static final String ORIGINAL_EXCHANGE = "x-original-exchange";
    /** Routing key the message was first published with. */
    public static final String ORIGINAL_ROUTING_KEY = "x-original-routing-key";
    /** Queue whose consumer gave up on the message. */
    public static final String ORIGINAL_QUEUE = "x-original-queue";
    /** When an operator replayed the message from the dead-letter queue (ISO-8601). */
    public static final String REPLAYED_AT = "x-replayed-at";

    private FailureHeaders() {
    }
}
