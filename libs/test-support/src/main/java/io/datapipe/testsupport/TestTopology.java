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
                           java.util.List<Long> retryDelaysMs,
                           TestRabbitMq broker) implements AutoCloseable {

    /** Retry delays tests use: short, so that a message exhausts them within a test. */
    public static final java.util.List<Long> RETRY_DELAYS_MS = java.util.List.of(200L, 400L, 800L);

    static TestTopology create(String purpose, TestRabbitMq broker) {
        String prefix = "test." + Unique.name(purpose);
        return new TestTopology(prefix + ".records",
                                "record.created",
                                prefix + ".persister",
                                prefix + ".records.dlx",
                                prefix + ".persister.dlq",
                                RETRY_DELAYS_MS,
                                broker);
    }

    /** @return the exchange of the retry route of the queue */
    public String retryExchange() {
        return queue + ".retry";
    }

    /** @return {@link #retryDelaysMs} as the connector's {@code retry-delays-ms} setting */
    public String retryDelaysSetting() {
        return String.join(",", retryDelaysMs.stream().map(String::valueOf).toList());
    }

    /**
     * Every queue this topology may have, for cleanup.
     *
     * @return queue names
     */
    public java.util.List<String> queues() {
        java.util.List<String> queues = new java.util.ArrayList<>(java.util.List.of(queue, deadLetterQueue));
        retryDelaysMs.forEach(delay -> queues.add(queue + ".retry." + delay + "ms"));
        return queues;
    }

    /**
     * Every exchange this topology may have, for cleanup.
     *
     * @return exchange names
     */
    public java.util.List<String> exchanges() {
        return java.util.List.of(exchange, deadLetterExchange, retryExchange());
    }

    @Override
    public void close() {
        broker.delete(this);
    }
}
