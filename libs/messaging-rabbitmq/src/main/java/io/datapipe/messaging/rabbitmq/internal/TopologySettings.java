package io.datapipe.messaging.rabbitmq.internal;

import java.util.Optional;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;

import org.eclipse.microprofile.config.Config;

import static io.datapipe.messaging.rabbitmq.ConnectorAttribute.*;

/**
 * The exchanges, queues and bindings a channel uses, and whether the connector declares them; the keys
 * and their defaults are {@link ConnectorAttribute}'s. Declaration is idempotent; where an operator owns the
 * topology (for example the RabbitMQ Messaging Topology Operator in Kubernetes), leave {@code declare} off
 * and the connector only uses the names.
 */
record TopologySettings(boolean declare,
                               Optional<String> exchange,
                               String exchangeType,
                               Optional<String> routingKey,
                               Optional<String> queue,
                               String queueType,
                               Optional<Integer> deliveryLimit,
                               Optional<String> deadLetterExchange,
                               Optional<String> deadLetterQueue) {

    static TopologySettings from(Config config) {
        return new TopologySettings(
                DECLARE.require(config),
                EXCHANGE.read(config),
                EXCHANGE_TYPE.require(config),
                ROUTING_KEY.read(config),
                QUEUE.read(config),
                QUEUE_TYPE.require(config),
                DELIVERY_LIMIT.read(config),
                DEAD_LETTER_EXCHANGE.read(config),
                DEAD_LETTER_QUEUE.read(config));
    }
}
