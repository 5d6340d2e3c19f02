package io.datapipe.messaging.rabbitmq;

/**
 * An outgoing message that the broker did not accept: the reason an outgoing message is nacked.
 * The subclass says why; all of them mean the sender should treat the message as not sent.
 */
public class RabbitMqPublishException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public RabbitMqPublishException(String message) {
        super(message);
    }

    public RabbitMqPublishException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The broker is not connected, or the connection was lost before the confirm arrived. */
    public static final class BrokerUnavailable extends RabbitMqPublishException {
        private static final long serialVersionUID = 1L;

        public BrokerUnavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The broker blocks publishing on this connection ({@code connection.blocked}) while a memory or disk
     * alarm is on; nothing was sent.
     */
    public static final class Blocked extends RabbitMqPublishException {
        private static final long serialVersionUID = 1L;

        public Blocked(String message) {
            super(message);
        }
    }

    /** The broker answered with a negative confirm ({@code basic.nack}). */
    public static final class Nacked extends RabbitMqPublishException {
        private static final long serialVersionUID = 1L;

        public Nacked(String message) {
            super(message);
        }
    }

    /** No confirm arrived within the confirm timeout. */
    public static final class Timeout extends RabbitMqPublishException {
        private static final long serialVersionUID = 1L;

        public Timeout(String message) {
            super(message);
        }
    }

    /** The message was mandatory and no queue was bound to receive it ({@code basic.return}). */
    public static final class Unroutable extends RabbitMqPublishException {
        private static final long serialVersionUID = 1L;

        public Unroutable(String message) {
            super(message);
        }
    }

    /** The message could not be turned into an AMQP message (for example an unsupported payload type). */
    public static final class Invalid extends RabbitMqPublishException {
        private static final long serialVersionUID = 1L;

        public Invalid(String message) {
            super(message);
        }
    }
}
