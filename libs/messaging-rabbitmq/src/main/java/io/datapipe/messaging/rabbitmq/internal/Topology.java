package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;

/**
 * Declares a channel's topology: the exchange, the dead-letter exchange and its queue, the queue with
 * its dead-letter and delivery-limit arguments, and the bindings. Every declaration is idempotent;
 * one whose arguments differ from an existing entity fails with {@code PRECONDITION_FAILED}, which
 * the connector reports as a configuration error.
 */
final class Topology {

    /** Binding key of the dead-letter queue: every routing key. */
    static final String ALL = "#";

    private Topology() {
    }

    static void declare(Channel channel, TopologySettings topology) throws IOException {
        if (topology.deadLetterExchange().isPresent()) {
            String dlx = topology.deadLetterExchange().get();
            channel.exchangeDeclare(dlx, BuiltinExchangeType.TOPIC, true);
            if (topology.deadLetterQueue().isPresent()) {
                String dlq = topology.deadLetterQueue().get();
                channel.queueDeclare(dlq, true, false, false, Map.of("x-queue-type", topology.queueType()));
                channel.queueBind(dlq, dlx, ALL);
            }
        }
        if (topology.exchange().isPresent()) {
            channel.exchangeDeclare(topology.exchange().get(), topology.exchangeType(), true);
        }
        if (topology.queue().isPresent()) {
            String queue = topology.queue().get();
            channel.queueDeclare(queue, true, false, false, queueArguments(topology));
            if (topology.exchange().isPresent()) {
                channel.queueBind(queue, topology.exchange().get(), topology.routingKey().orElse(ALL));
            }
        }
    }

    /**
     * Declares the retry route of a queue: a direct exchange, and per delay a queue that holds messages
     * for that long and then dead-letters them back to the work queue (through the default exchange, so
     * they reach that queue only).
     */
    static void declareRetryRoute(Channel channel, String queue, String queueType, String retryExchange,
                                  java.util.List<Long> delays) throws IOException {
        channel.exchangeDeclare(retryExchange, BuiltinExchangeType.DIRECT, true);
        for (long delay : delays) {
            Map<String, Object> arguments = new HashMap<>();
            arguments.put("x-queue-type", queueType);
            arguments.put("x-message-ttl", delay);
            arguments.put("x-dead-letter-exchange", "");
            arguments.put("x-dead-letter-routing-key", queue);
            if ("quorum".equals(queueType)) {
                arguments.put("x-dead-letter-strategy", "at-least-once");
                arguments.put("x-overflow", "reject-publish");
            }
            String retryQueue = FailurePolicy.retryQueue(queue, delay);
            channel.queueDeclare(retryQueue, true, false, false, arguments);
            channel.queueBind(retryQueue, retryExchange, FailurePolicy.retryRoutingKey(delay));
        }
    }

    static Map<String, Object> queueArguments(TopologySettings topology) {
        Map<String, Object> arguments = new HashMap<>();
        arguments.put("x-queue-type", topology.queueType());
        topology.deliveryLimit().ifPresent(limit -> arguments.put("x-delivery-limit", limit));
        topology.deadLetterExchange().ifPresent(dlx -> {
            arguments.put("x-dead-letter-exchange", dlx);
            if ("quorum".equals(topology.queueType())) {
                // At-least-once dead-lettering: the quorum queue keeps a message until the
                // dead-letter queue has confirmed it, so a dead-lettered message cannot be lost.
                arguments.put("x-dead-letter-strategy", "at-least-once");
                arguments.put("x-overflow", "reject-publish");
            }
        });
        return arguments;
    }
}
