package io.datapipe.testsupport;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import io.datapipe.topology.AmqpTopology;
import io.datapipe.topology.TopologyDefinition;

/**
 * A private copy of the pipeline's RabbitMQ topology for one test: k8s/base/rabbitmq (the one definition,
 * {@link TopologyDefinition#bundled()}) with every exchange and queue name's {@code datapipe} prefix replaced
 * by a unique one and short retry delays, declared on the test broker as the topology operator would create
 * it (same types and arguments). The services under test only use it ({@code declare} is gone). Closing it
 * deletes it.
 *
 * @param exchange           the records exchange
 * @param routingKey         the routing key records are published with
 * @param queue              the persister's queue
 * @param deadLetterExchange the dead-letter exchange
 * @param deadLetterQueue    the dead-letter queue
 * @param retryDelaysMs      the delays of the queue's retry route
 * @param definition         what was declared
 * @param broker             where
 */
public record TestTopology(String exchange,
                           String routingKey,
                           String queue,
                           String deadLetterExchange,
                           String deadLetterQueue,
                           List<Long> retryDelaysMs,
                           TopologyDefinition definition,
                           TestRabbitMq broker) implements AutoCloseable {

    /** Retry delays tests use: short, so that a message exhausts them within a test. */
    public static final List<Long> RETRY_DELAYS_MS = List.of(200L, 400L, 800L);
    /** Read once; every copy is made from it without changing it. */
    private static final TopologyDefinition PRODUCTION = TopologyDefinition.bundled();

    static TestTopology create(String purpose, TestRabbitMq broker) {
        String prefix = "test." + Unique.name(purpose);
        TopologyDefinition definition = PRODUCTION.privateCopy(prefix, RETRY_DELAYS_MS);
        TestTopology topology = new TestTopology(definition.name("Exchange", "datapipe-records"),
                                                 definition.routingKey("datapipe-records-to-persister"),
                                                 definition.name("Queue", "datapipe-persister"),
                                                 definition.name("Exchange", "datapipe-records-dlx"),
                                                 definition.name("Queue", "datapipe-persister-dlq"),
                                                 RETRY_DELAYS_MS,
                                                 definition,
                                                 broker);
        try (Connection connection = broker.connect("test-topology"); Channel channel = connection.createChannel()) {
            AmqpTopology.declare(channel, definition);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot declare the test topology " + prefix + ".*", e);
        }
        return topology;
    }

    /** @return the exchange of the retry route of the queue */
    public String retryExchange() {
        return definition.name("Exchange", "datapipe-persister-retry");
    }

    /** @return {@link #retryDelaysMs} as the connector's {@code retry-delays-ms} setting */
    public String retryDelaysSetting() {
        return String.join(",", retryDelaysMs.stream().map(String::valueOf).toList());
    }

    /**
     * Every queue of this topology.
     *
     * @return queue names
     */
    public List<String> queues() {
        return definition.ofKind("Queue").stream().map(q -> q.at("/spec/name").asText()).toList();
    }

    @Override
    public void close() {
        try (Connection connection = broker.connect("test-admin"); Channel channel = connection.createChannel()) {
            AmqpTopology.delete(channel, definition);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot delete test topology " + exchange, e);
        }
    }
}
