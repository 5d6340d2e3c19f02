package io.datapipe.persister;

import io.datapipe.contract.RecordMessage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.reactivestreams.Subscriber;

/**
 * Consumes the {@value RecordMessage#CHANNEL} channel (the persister's quorum queue) into the database, in
 * batches; see {@link RecordBatcher}. Messages are acknowledged by the batcher itself, after the commit.
 */
@ApplicationScoped
public class RecordConsumer {

    private final BatchWriter store;
    private final PersisterMetrics metrics;
    private final PersisterConfig config;

    @Inject
    RecordConsumer(BatchWriter store, PersisterMetrics metrics, @ConfigProperties PersisterConfig config) {
        this.store = store;
        this.metrics = metrics;
        this.config = config;
    }

    /**
     * The subscriber the messaging runtime connects to the {@value RecordMessage#CHANNEL} channel.
     *
     * @return a batching subscriber
     */
    @Incoming(RecordMessage.CHANNEL)
    public Subscriber<Message<byte[]>> records() {
        return new RecordBatcher(store, metrics, config.batchSize(), config.batchMaxWait(), config.prefetch(),
                                 config.drainTimeout());
    }
}
