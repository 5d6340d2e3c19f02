package io.datapipe.messaging.rabbitmq;

/**
 * Nack an incoming message with this (or with an exception caused by it) to say that retrying cannot
 * help: the message is rejected without requeueing, so the queue dead-letters it at once. Any other
 * nack reason requeues the message for another delivery.
 */
public class DeadLetterException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DeadLetterException(String message) {
        super(message);
    }

    public DeadLetterException(String message, Throwable cause) {
        super(message, cause);
    }

    static boolean isCause(Throwable reason) {
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
