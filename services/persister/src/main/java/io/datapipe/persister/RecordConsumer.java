package io.datapipe.persister;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.reactivestreams.Subscriber;

/**
 * Consumes the {@code records} channel (the persister's quorum queue) into the database, in batches;
 * see {@link RecordBatcher}. Messages are acknowledged by the batcher itself, after the commit.
 */
@ApplicationScoped
public class RecordConsumer {

    private final RecordStore store;
    private final PersisterMetrics metrics;
    private final int batchSize;
    private final Duration maxWait;
    private final int prefetch;
    private final Duration drainTimeout;

    @Inject
    RecordConsumer(RecordStore store,
                   PersisterMetrics metrics,
                   @ConfigProperty(name = "datapipe.persister.batch-size", defaultValue = "500") int batchSize,
                   @ConfigProperty(name = "datapipe.persister.batch-max-wait-ms", defaultValue = "5") long maxWaitMs,
                   @ConfigProperty(name = "datapipe.persister.prefetch", defaultValue = "1000") int prefetch,
                   @ConfigProperty(name = "datapipe.persister.drain-timeout-ms", defaultValue = "30000") long drainTimeoutMs) {
        this.store = store;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.maxWait = Duration.ofMillis(maxWaitMs);
        this.prefetch = prefetch;
        this.drainTimeout = Duration.ofMillis(drainTimeoutMs);
    }

    /**
     * The subscriber the messaging runtime connects to the {@code records} channel.
     *
     * @return a batching subscriber
     */
    @Incoming("records")
    public Subscriber<Message<byte[]>> records() {
        return new RecordBatcher(store, metrics, batchSize, maxWait, prefetch, drainTimeout);
    }
}
