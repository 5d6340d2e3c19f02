package io.datapipe.messaging.rabbitmq;

import java.util.Optional;

/**
 * The dead-letter queues of the connector's incoming channels (those configured with a
 * {@code dead-letter-queue}). A CDI bean: {@code @Inject DeadLetterQueues queues}.
 */
public interface DeadLetterQueues {

    /**
     * The dead-letter queue of an incoming channel.
     *
     * @param channel the channel name
     * @return operations on its dead-letter queue, or empty when it has none
     */
    Optional<DeadLetterQueue> of(String channel);
}
