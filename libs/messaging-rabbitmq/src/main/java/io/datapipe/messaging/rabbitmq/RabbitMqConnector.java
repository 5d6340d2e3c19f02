package io.datapipe.messaging.rabbitmq;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.BeforeDestroyed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;
import org.eclipse.microprofile.reactive.messaging.spi.ConnectorFactory;
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
 * the connection and topology keys, {@link OutgoingEndpoint} and {@link IncomingEndpoint} for the
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

    private final List<IncomingEndpoint> incoming = new CopyOnWriteArrayList<>();
    private final List<OutgoingEndpoint> outgoing = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, daemonThreads());
    private volatile boolean stopped;

    @Inject
    @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE)
    private Instance<MetricRegistry> registries;

    @Override
    public PublisherBuilder<IncomingRabbitMqMessage> getPublisherBuilder(Config config) {
        IncomingEndpoint endpoint = new IncomingEndpoint(channelName(config), config, scheduler, metrics(config));
        incoming.add(endpoint);
        endpoint.start();
        return ReactiveStreams.fromPublisher(endpoint.publisher());
    }

    @Override
    public SubscriberBuilder<Message<?>, Void> getSubscriberBuilder(Config config) {
        OutgoingEndpoint endpoint = new OutgoingEndpoint(channelName(config), config, scheduler, metrics(config));
        outgoing.add(endpoint);
        endpoint.start();
        return ReactiveStreams.<Message<?>>builder().to(endpoint);
    }

    /**
     * The state of every channel this connector serves.
     *
     * @return one status per channel
     */
    public List<ChannelStatus> status() {
        return java.util.stream.Stream.concat(incoming.stream(), outgoing.stream())
                .map(Endpoint::status)
                .toList();
    }

    /**
     * The dead-letter queue of an incoming channel.
     *
     * @param channel the channel name
     * @return operations on its dead-letter queue, or empty when it has none
     */
    public java.util.Optional<DeadLetterQueue> deadLetterQueue(String channel) {
        return incoming.stream()
                .filter(endpoint -> endpoint.channelName.equals(channel))
                .findFirst()
                .flatMap(IncomingEndpoint::deadLetterQueue);
    }

    /**
     * Unsettled incoming messages: delivered by the broker, not yet acknowledged or rejected.
     *
     * @return the count over all incoming channels
     */
    public int unsettledIncoming() {
        return incoming.stream().mapToInt(IncomingEndpoint::unsettledCount).sum();
    }

    /**
     * Outgoing messages awaiting their confirm.
     *
     * @return the count over all outgoing channels
     */
    public int inFlightOutgoing() {
        return outgoing.stream().mapToInt(OutgoingEndpoint::inFlight).sum();
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
        incoming.forEach(IncomingEndpoint::drainAndClose);
        outgoing.forEach(endpoint -> endpoint.stop(Duration.ofSeconds(5)));
        scheduler.shutdownNow();
    }

    private ChannelMetrics metrics(Config config) {
        MetricRegistry registry = registries != null && registries.isResolvable() ? registries.get() : null;
        return ChannelMetrics.create(registry, channelName(config));
    }

    private static String channelName(Config config) {
        return config.getValue(ConnectorFactory.CHANNEL_NAME_ATTRIBUTE, String.class);
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger counter = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "datapipe-rabbitmq-" + counter.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
