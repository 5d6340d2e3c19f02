package io.datapipe.messaging.rabbitmq.internal;

import java.util.Optional;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;

import org.eclipse.microprofile.config.Config;

import static io.datapipe.messaging.rabbitmq.ConnectorAttribute.*;

/**
 * The names of the exchanges and queues a channel uses; the keys are {@link ConnectorAttribute}'s. The
 * connector declares nothing: they are created, with their types and arguments, by whoever owns the topology
 * (the RabbitMQ Messaging Topology Operator in Kubernetes, or a tool applying the same definition). A queue
 * that is not there keeps the channel down, with the broker's answer as its error, until it is.
 */
record TopologySettings(Optional<String> exchange,
                        Optional<String> routingKey,
                        Optional<String> queue,
                        Optional<String> deadLetterExchange,
                        Optional<String> deadLetterQueue) {

    static TopologySettings from(Config config) {
        return new TopologySettings(
                EXCHANGE.read(config),
                ROUTING_KEY.read(config),
                QUEUE.read(config),
                DEAD_LETTER_EXCHANGE.read(config),
                DEAD_LETTER_QUEUE.read(config));
    }
}
