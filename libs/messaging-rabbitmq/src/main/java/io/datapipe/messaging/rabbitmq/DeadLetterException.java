package io.datapipe.messaging.rabbitmq;

/**
 * Nack an incoming message with this (or with an exception caused by it) to say that retrying cannot
 * help: the connector publishes a copy to the channel's {@code dead-letter-exchange} at once, with
 * {@link FailureHeaders} saying why, and acknowledges the original (without a dead-letter exchange, it
 * rejects the message without requeueing). Any other nack reason follows the channel's
 * {@code failure-strategy}: requeued, or retried through the retry queues.
 */
public class DeadLetterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DeadLetterException(String message) {
        super(message);
    }

    public DeadLetterException(String message, Throwable cause) {
        super(message, cause);
    }
}
