package io.datapipe.testsupport;

/**
 * A private copy of the pipeline's RabbitMQ topology for one test: the names follow the production
 * defaults with a unique prefix. Closing it deletes what was declared under those names.
 *
 * @param exchange           the records exchange
 * @param routingKey         the routing key records are published with
 * @param queue              the persister's queue
 * @param deadLetterExchange the dead-letter exchange
 * @param deadLetterQueue    the dead-letter queue
 */
public record TestTopology(String exchange,
                           String routingKey,
                           String queue,
                           String deadLetterExchange,
                           String deadLetterQueue,
                           TestRabbitMq broker) implements AutoCloseable {

    static TestTopology create(String purpose, TestRabbitMq broker) {
        String prefix = "test." + Unique.name(purpose);
        return new TestTopology(prefix + ".records",
                                "record.created",
                                prefix + ".persister",
                                prefix + ".records.dlx",
                                prefix + ".persister.dlq",
                                broker);
    }

    /**
     * Every queue this topology may have, for cleanup.
     *
     * @return queue names
     */
    public java.util.List<String> queues() {
        return java.util.List.of(queue, deadLetterQueue);
    }

    /**
     * Every exchange this topology may have, for cleanup.
     *
     * @return exchange names
     */
    public java.util.List<String> exchanges() {
        return java.util.List.of(exchange, deadLetterExchange);
    }

    @Override
    public void close() {
        broker.delete(this);
    }
}
