package io.datapipe.messaging.rabbitmq;

import java.util.Optional;

import org.eclipse.microprofile.config.Config;

/**
 * The exchanges, queues and bindings a channel uses, and whether the connector declares them.
 * Declaration is idempotent; where an operator owns the topology (for example the RabbitMQ Messaging
 * Topology Operator in Kubernetes), leave {@code declare} off and the connector only uses the names.
 *
 * @param declare              declare what is named below ({@code declare}, default {@code false})
 * @param exchange             exchange to publish to, or whose messages the queue receives ({@code exchange})
 * @param exchangeType         its type ({@code exchange-type}, default {@code topic})
 * @param routingKey           routing key to publish with, and the queue's binding key ({@code routing-key})
 * @param queue                queue to consume from ({@code queue})
 * @param queueType            its type ({@code queue-type}, default {@code quorum})
 * @param deliveryLimit        deliveries before a quorum queue dead-letters a message ({@code delivery-limit})
 * @param deadLetterExchange   where the queue dead-letters ({@code dead-letter-exchange})
 * @param deadLetterQueue      queue bound to the dead-letter exchange with {@code #} ({@code dead-letter-queue})
 */
public record TopologySettings(boolean declare,
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
                config.getOptionalValue("declare", Boolean.class).orElse(false),
                config.getOptionalValue("exchange", String.class),
                config.getOptionalValue("exchange-type", String.class).orElse("topic"),
                config.getOptionalValue("routing-key", String.class),
                config.getOptionalValue("queue", String.class),
                config.getOptionalValue("queue-type", String.class).orElse("quorum"),
                config.getOptionalValue("delivery-limit", Integer.class),
                config.getOptionalValue("dead-letter-exchange", String.class),
                config.getOptionalValue("dead-letter-queue", String.class));
    }
}
