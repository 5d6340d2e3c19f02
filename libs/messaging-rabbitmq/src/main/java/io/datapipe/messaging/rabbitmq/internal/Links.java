package io.datapipe.messaging.rabbitmq.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.datapipe.messaging.rabbitmq.ChannelStatus;
import io.datapipe.messaging.rabbitmq.DeadLetterQueue;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.ConnectorFactory;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;

/**
 * The broker links of one connector instance: one per messaging channel, each with its own AMQP
 * connection (publishers and consumers should not share one: the broker throttles publishing
 * connections). {@code RabbitMqConnector} is the CDI face of this class; nothing outside the connector
 * uses it.
 */
public final class Links {

    private final List<IncomingLink> incoming = new CopyOnWriteArrayList<>();
    private final List<OutgoingLink> outgoing = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, daemonThreads());

    /**
     * Opens an incoming channel: consumes its queue.
     *
     * @param config   the channel's configuration
     * @param registry where its metrics go, or {@code null}
     * @return its messages
     */
    public Publisher<? extends Message<byte[]>> incoming(Config config, MetricRegistry registry) {
        IncomingLink link = new IncomingLink(channelName(config), config, scheduler, ChannelMetrics.create(registry, channelName(config)));
        incoming.add(link);
        link.start();
        return link.publisher();
    }

    /**
     * Opens an outgoing channel: publishes what it is sent.
     *
     * @param config   the channel's configuration
     * @param registry where its metrics go, or {@code null}
     * @return what the application's messages go to
     */
    public Subscriber<Message<?>> outgoing(Config config, MetricRegistry registry) {
        OutgoingLink link = new OutgoingLink(channelName(config), config, scheduler, ChannelMetrics.create(registry, channelName(config)));
        outgoing.add(link);
        link.start();
        return link;
    }

    /** @return one status per channel */
    public List<ChannelStatus> status() {
        return Stream.concat(incoming.stream(), outgoing.stream()).map(BrokerLink::status).toList();
    }

    /**
     * @param channel an incoming channel's name
     * @return its dead-letter queue, when it has one
     */
    public Optional<DeadLetterQueue> deadLetterQueue(String channel) {
        return incoming.stream().filter(link -> link.channelName.equals(channel)).findFirst()
                .flatMap(IncomingLink::deadLetterQueue);
    }

    /** @return incoming messages delivered and not settled yet, over all channels */
    public int unsettledIncoming() {
        return incoming.stream().mapToInt(IncomingLink::unsettledCount).sum();
    }

    /** @return outgoing messages awaiting their confirm, over all channels */
    public int inFlightOutgoing() {
        return outgoing.stream().mapToInt(OutgoingLink::inFlight).sum();
    }

    /** Incoming channels stop consuming and wait for what the application holds; then outgoing ones for their confirms. */
    public void stop() {
        incoming.forEach(IncomingLink::drainAndClose);
        outgoing.forEach(link -> link.stop(Duration.ofSeconds(5)));
        scheduler.shutdownNow();
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
