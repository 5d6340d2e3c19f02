package io.datapipe.messaging.rabbitmq;


import java.util.List;
import java.util.Optional;

import io.datapipe.messaging.rabbitmq.internal.Links;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.eclipse.microprofile.reactive.messaging.spi.IncomingConnectorFactory;
import org.eclipse.microprofile.reactive.messaging.spi.OutgoingConnectorFactory;
import org.eclipse.microprofile.reactive.streams.operators.PublisherBuilder;
import org.eclipse.microprofile.reactive.streams.operators.ReactiveStreams;
import org.eclipse.microprofile.reactive.streams.operators.SubscriberBuilder;

import static java.lang.System.Logger.Level.INFO;

/**
 * MicroProfile Reactive Messaging connector for RabbitMQ, named {@value #NAME}.
 *
 * <pre>
 * mp.messaging.connector.datapipe-rabbitmq.host=localhost        # shared by all channels
 * mp.messaging.outgoing.records.connector=datapipe-rabbitmq
 * mp.messaging.outgoing.records.exchange=datapipe.records
 * mp.messaging.outgoing.records.routing-key=record.created
 * mp.messaging.incoming.records.connector=datapipe-rabbitmq
 * mp.messaging.incoming.records.queue=datapipe.persister
 * </pre>
 *
 * Each channel has its own AMQP connection (publishers and consumers should not share one: the broker
 * throttles publishing connections). See {@link ConnectionSettings} and {@link TopologySettings} for
 * the connection and topology keys, {@link OutgoingLink} and {@link IncomingLink} for the
 * per-direction keys.
 *
 * <p>On shutdown ({@code @BeforeDestroyed(ApplicationScoped)}, while the application's beans are
 * still alive) incoming channels stop consuming and wait for the application to settle what it holds,
 * then outgoing channels wait for their last confirms.
 */
@ApplicationScoped
@Connector(RabbitMqConnector.NAME)
public class RabbitMqConnector implements IncomingConnectorFactory, OutgoingConnectorFactory {

    /** The connector name to use in {@code mp.messaging.*.connector}. */
    public static final String NAME = "datapipe-rabbitmq";

    private static final System.Logger LOGGER = System.getLogger(RabbitMqConnector.class.getName());

    private final Links links = new Links();
    private volatile boolean stopped;

    @Inject
    @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
    private Instance<MetricRegistry> registries;

    @Override
    public PublisherBuilder<? extends Message<byte[]>> getPublisherBuilder(Config config) {
        return ReactiveStreams.fromPublisher(links.incoming(config, registry()));
    }

    @Override
    public SubscriberBuilder<Message<?>, Void> getSubscriberBuilder(Config config) {
        return ReactiveStreams.<Message<?>>builder().to(links.outgoing(config, registry()));
    }

    /**
     * The state of every channel this connector serves.
     *
     * @return one status per channel
     */
    public List<ChannelStatus> status() {
        return links.status();
    }

    /**
     * The dead-letter queue of an incoming channel.
     *
     * @param channel the channel name
     * @return operations on its dead-letter queue, or empty when it has none
     */
    public Optional<DeadLetterQueue> deadLetterQueue(String channel) {
        return links.deadLetterQueue(channel);
    }

    /**
     * The dead-letter queues of this connector's channels, for the application to inject without naming
     * the connector.
     *
     * @return them
     */
    @Produces
    DeadLetterQueues deadLetterQueues() {
        return this::deadLetterQueue;
    }

    /**
     * Unsettled incoming messages: delivered by the broker, not yet acknowledged or rejected.
     *
     * @return the count over all incoming channels
     */
    public int unsettledIncoming() {
        return links.unsettledIncoming();
    }

    /**
     * Outgoing messages awaiting their confirm.
     *
     * @return the count over all outgoing channels
     */
    public int inFlightOutgoing() {
        return links.inFlightOutgoing();
    }

    void beforeShutdown(@Observes @BeforeDestroyed(ApplicationScoped.class) Object event) {
        stop();
    }

    @PreDestroy
    synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        LOGGER.log(INFO, "stopping RabbitMQ channels: draining incoming, then awaiting outgoing confirms");
        links.stop();
    }

    private MetricRegistry registry() {
        return registries != null && registries.isResolvable() ? registries.get() : null;
    }
}
