package io.datapipe.messaging.rabbitmq;

/** Where a channel's link to the broker stands. */
public enum ChannelState {
    /** Not yet connected: the first connection attempt has not succeeded. */
    CONNECTING,
    /** Connected; the AMQP channel is open and set up. */
    UP,
    /**
     * Connected, but the broker blocks publishing ({@code connection.blocked}: a memory or disk alarm);
     * outgoing messages fail at once instead of waiting for a confirm that cannot come.
     */
    BLOCKED,
    /** The connection or channel was lost; the client is reconnecting. */
    RECOVERING,
    /** Stopped by the application. */
    CLOSED
}
