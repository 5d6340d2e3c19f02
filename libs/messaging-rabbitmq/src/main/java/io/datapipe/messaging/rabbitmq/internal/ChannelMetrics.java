package io.datapipe.messaging.rabbitmq.internal;

import java.util.function.Supplier;

import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * The connector's metrics for one channel, in the application registry when there is one (Prometheus
 * names in brackets):
 * <ul>
 *     <li>{@code datapipe.rabbitmq.connection.up} [{@code datapipe_rabbitmq_connection_up}]: 1 while connected;</li>
 *     <li>{@code datapipe.rabbitmq.published} [{@code _total}] by {@code outcome}: confirmed, nacked, unroutable,
 *     timeout, unavailable, invalid, blocked (a resource alarm);</li>
 *     <li>{@code datapipe.rabbitmq.deliveries} and {@code datapipe.rabbitmq.redeliveries} [{@code _total}];</li>
 *     <li>{@code datapipe.rabbitmq.settled} [{@code _total}] by {@code outcome}: ack, retry, dead_letter, requeue,
 *     reject, stale (a settlement of a lost channel's delivery, which the broker redelivers);</li>
 *     <li>{@code datapipe.rabbitmq.unsettled}: delivered, not yet settled;</li>
 *     <li>{@code datapipe.rabbitmq.queue.messages} and {@code datapipe.rabbitmq.queue.consumers} by {@code queue}:
 *     depth and consumers of the queues an incoming channel uses, as the broker reports them.</li>
 * </ul>
 * Without a registry (the connector used outside CDI) nothing is recorded.
 */
final class ChannelMetrics {

    private static final Metadata PUBLISHED = counter("datapipe.rabbitmq.published", "Messages published, by broker outcome");
    private static final Metadata DELIVERIES = counter("datapipe.rabbitmq.deliveries", "Messages delivered to the consumer");
    private static final Metadata REDELIVERIES = counter("datapipe.rabbitmq.redeliveries",
                                                         "Messages delivered again (redelivered flag set)");
    private static final Metadata SETTLED = counter("datapipe.rabbitmq.settled", "Deliveries settled, by outcome");

    private final MetricRegistry registry;
    private final Tag channel;

    private ChannelMetrics(MetricRegistry registry, String channel) {
        this.registry = registry;
        this.channel = new Tag("channel", channel);
    }

    static ChannelMetrics create(MetricRegistry registry, String channel) {
        return new ChannelMetrics(registry, channel);
    }

    /**
     * Registers the counters of a channel at zero, so that dashboards and alerts see them (and their
     * rates) before the first event.
     */
    void register(String direction) {
        if (registry == null) {
            return;
        }
        if (direction.equals("incoming")) {
            registry.counter(DELIVERIES, channel);
            registry.counter(REDELIVERIES, channel);
            for (String outcome : new String[] {"ack", "retry", "dead_letter", "requeue", "reject", "stale"}) {
                registry.counter(SETTLED, channel, new Tag("outcome", outcome));
            }
        } else {
            for (String outcome : new String[] {"confirmed", "nacked", "unroutable", "timeout", "unavailable", "invalid", "blocked"}) {
                registry.counter(PUBLISHED, channel, new Tag("outcome", outcome));
            }
        }
    }

    void connection(String direction, Supplier<Boolean> up) {
        if (registry != null) {
            registry.gauge(Metadata.builder().withName("datapipe.rabbitmq.connection.up")
                                   .withDescription("1 while the channel is connected to the broker").build(),
                           () -> up.get() ? 1 : 0, channel, new Tag("direction", direction));
        }
    }

    void unsettled(Supplier<Integer> count) {
        if (registry != null) {
            registry.gauge(Metadata.builder().withName("datapipe.rabbitmq.unsettled")
                                   .withDescription("Deliveries not yet acknowledged or rejected").build(),
                           count, channel);
        }
    }

    void queue(String queue, Supplier<Long> messages, Supplier<Long> consumers) {
        if (registry != null) {
            Tag name = new Tag("queue", queue);
            registry.gauge(Metadata.builder().withName("datapipe.rabbitmq.queue.messages")
                                   .withDescription("Messages ready in the queue, as last reported by the broker").build(),
                           messages, name);
            registry.gauge(Metadata.builder().withName("datapipe.rabbitmq.queue.consumers")
                                   .withDescription("Consumers of the queue, as last reported by the broker").build(),
                           consumers, name);
        }
    }

    void published(String outcome) {
        if (registry != null) {
            registry.counter(PUBLISHED, channel, new Tag("outcome", outcome)).inc();
        }
    }

    void delivered(boolean redelivered) {
        if (registry != null) {
            registry.counter(DELIVERIES, channel).inc();
            if (redelivered) {
                registry.counter(REDELIVERIES, channel).inc();
            }
        }
    }

    void settled(String outcome) {
        if (registry != null) {
            registry.counter(SETTLED, channel, new Tag("outcome", outcome)).inc();
        }
    }

    private static Metadata counter(String name, String description) {
        return Metadata.builder().withName(name).withDescription(description).build();
    }
}
