package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;
import io.datapipe.messaging.rabbitmq.DeadLetterQueue;

import io.helidon.common.reactive.BufferedEmittingPublisher;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.ShutdownSignalException;
import org.eclipse.microprofile.config.Config;
import org.reactivestreams.FlowAdapters;
import org.reactivestreams.Publisher;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * An incoming channel: consumes one queue with manual acknowledgement and a prefetch limit, and
 * publishes the deliveries to the application as {@link IncomingRabbitMqMessage}s.
 *
 * <p>The broker pushes at most {@code prefetch} unacknowledged messages; those the application has
 * not requested yet wait in a buffer, which the prefetch bounds. When the channel is lost, messages
 * already delivered can no longer be settled: the application may still receive them from the buffer
 * (their settlement does nothing) and the broker delivers them again, flagged as redelivered.
 *
 * <p>Settings: {@code prefetch} (default 256), {@code requeue-on-nack} (default {@code true}),
 * {@code drain-timeout-ms} (default 10000).
 */
final class IncomingLink extends BrokerLink {

    private static final System.Logger LOGGER = System.getLogger(IncomingLink.class.getName());

    private final String queue;
    private final int prefetch;
    private final Duration drainTimeout;
    private final FailurePolicy failures;
    private final Republisher republisher;
    private final QueueStats queueStats;
    private final BufferedEmittingPublisher<IncomingRabbitMqMessage> emitter = BufferedEmittingPublisher.create();
    private final ReentrantLock unsettledLock = new ReentrantLock();
    private final Condition allSettled = unsettledLock.newCondition();
    private int unsettled;
    /** Delivery tags of this generation not settled yet; under {@link #channelLock}. */
    private final java.util.TreeSet<Long> outstanding = new java.util.TreeSet<>();
    /** Delivery tags the application acknowledged that the broker has not been told of yet; under {@link #channelLock}. */
    private final java.util.TreeSet<Long> acked = new java.util.TreeSet<>();
    private volatile String consumerTag;
    private volatile boolean stopping;

    IncomingLink(String channelName, Config config, ScheduledExecutorService scheduler, ChannelMetrics metrics) {
        super(channelName, ConnectionSettings.from(config, channelName), TopologySettings.from(config), scheduler, metrics);
        this.queue = topology.queue().orElseThrow(
                () -> new IllegalArgumentException("incoming channel " + channelName + " needs a 'queue'"));
        this.prefetch = ConnectorAttribute.PREFETCH.<Integer>require(config);
        this.failures = FailurePolicy.from(config, queue, topology, connectionSettings.connectionName());
        this.republisher = new Republisher(this::connection,
                                           Duration.ofMillis(ConnectorAttribute.CONFIRM_TIMEOUT_MS.<Integer>require(config)));
        this.drainTimeout = Duration.ofMillis(ConnectorAttribute.DRAIN_TIMEOUT_MS.<Integer>require(config));
        if (prefetch <= 0 || prefetch > 65_535) {
            throw new IllegalArgumentException("prefetch of channel " + channelName + " must be 1..65535");
        }
        metrics.unsettled(this::unsettledCount);
        List<String> watched = new ArrayList<>();
        watched.add(queue);
        topology.deadLetterQueue().ifPresent(watched::add);
        watched.addAll(failures.retryQueues());
        this.queueStats = new QueueStats(watched, this::connection, metrics);
        long statsInterval = ConnectorAttribute.QUEUE_STATS_INTERVAL_MS.<Long>require(config);
        if (statsInterval > 0) {
            scheduler.scheduleWithFixedDelay(() -> Untraced.run(queueStats::refresh), 0, statsInterval, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    String direction() {
        return "incoming";
    }

    /** @return operations on this channel's dead-letter queue, when it has one */
    java.util.Optional<DeadLetterQueue> deadLetterQueue() {
        return topology.deadLetterQueue().map(dlq -> new BrokerDeadLetterQueue(dlq, queue, this::connection));
    }

    Publisher<IncomingRabbitMqMessage> publisher() {
        return FlowAdapters.toPublisher(emitter);
    }

    @Override
    protected void setUp(Channel channel) throws IOException {
        channel.basicQos(prefetch);
        String tag = connectionSettings.connectionName() + "-" + UUID.randomUUID();
        consumerTag = channel.basicConsume(queue, false, tag, this::delivered, this::cancelled);
        LOGGER.log(INFO, () -> "channel " + channelName + " consuming " + queue + " (prefetch " + prefetch + ")");
    }

    @Override
    protected void onChannelLost(ShutdownSignalException cause) {
        // Deliveries of the lost channel carry its generation, so settling them is a no-op, and the
        // broker has already put them back in the queue. Their tags mean nothing to the next channel.
        outstanding.clear();
        acked.clear();
    }

    private void delivered(String tag, Delivery delivery) {
        if (stopping) {
            // Arrived between the cancel and its confirmation: left unacknowledged, the broker requeues
            // it when the channel closes.
            return;
        }
        long generation;
        channelLock.lock();
        try {
            generation = generation();
            outstanding.add(delivery.getEnvelope().getDeliveryTag());
        } finally {
            channelLock.unlock();
        }
        unsettledLock.lock();
        try {
            unsettled++;
        } finally {
            unsettledLock.unlock();
        }
        metrics.delivered(delivery.getEnvelope().isRedeliver());
        emitter.emit(new IncomingRabbitMqMessage(delivery, generation, this));
    }

    private void cancelled(String tag) {
        // The broker cancelled the consumer, for example because the queue was deleted.
        LOGGER.log(WARNING, () -> "channel " + channelName + ": the broker cancelled the consumer of " + queue
                + "; consuming again");
        retryLater(this::reopenChannel);
    }

    CompletionStage<Void> ack(IncomingRabbitMqMessage message) {
        if (!message.claim()) {
            return CompletableFuture.completedFuture(null);
        }
        return settle(message, FailurePolicy.Settlement.ACK, "ack");
    }

    CompletionStage<Void> nack(IncomingRabbitMqMessage message, Throwable reason) {
        if (!message.claim()) {
            return CompletableFuture.completedFuture(null);
        }
        FailurePolicy.Outcome outcome;
        try {
            outcome = failures.handle(message, reason, republisher);
        } catch (IOException e) {
            LOGGER.log(WARNING, () -> "channel " + channelName + ": could not route a failed message to its retry or"
                    + " dead-letter queue (" + e.getMessage() + "); requeueing it");
            outcome = FailurePolicy.Outcome.REQUEUE;
        }
        return settle(message, outcome.settlement(), outcome.name().toLowerCase(java.util.Locale.ROOT));
    }

    private CompletionStage<Void> settle(IncomingRabbitMqMessage message, FailurePolicy.Settlement settlement, String what) {
        metrics.settled(what);
        long tag = message.deliveryTag();
        ChannelAction action = channel -> {
            outstanding.remove(tag);
            switch (settlement) {
                case ACK -> acked.add(tag);
                case REQUEUE -> channel.basicNack(tag, false, true);
                case REJECT -> channel.basicReject(tag, false);
                default -> throw new IllegalStateException(settlement.name());
            }
            flushAcks(channel);
        };
        try {
            if (!runIfCurrent(message.generation(), action)) {
                metrics.settled("stale");
                LOGGER.log(DEBUG, () -> "channel " + channelName + ": " + what + " of a delivery from a lost channel"
                        + " skipped; the broker delivers it again");
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        } finally {
            // Only now: a drain waiting for nothing to be unsettled then closes the channel, and a settlement
            // counted before it reached the channel would be skipped there and the message delivered again.
            settled();
        }
    }

    /**
     * Acknowledges in one frame ({@code multiple}) every acknowledged delivery below the oldest one still
     * unsettled: the broker then acks them all, and nothing the application still holds. A batch of 500
     * records costs one ack frame instead of 500. Under {@link #channelLock}.
     */
    private void flushAcks(Channel channel) throws IOException {
        if (acked.isEmpty()) {
            return;
        }
        Long upTo = outstanding.isEmpty() ? acked.last() : acked.lower(outstanding.first());
        if (upTo != null) {
            channel.basicAck(upTo, true);
            acked.headSet(upTo, true).clear();
        }
    }

    /** Before the channel closes: acknowledges one by one what could not be acknowledged together. */
    private void flushRemainingAcks(Channel channel) throws IOException {
        for (long tag : acked) {
            channel.basicAck(tag, false);
        }
        acked.clear();
    }

    /** A delivery that never reached the application goes back to the queue now. */
    private void returnUnhandled(IncomingRabbitMqMessage message) {
        try {
            runIfCurrent(message.generation(), channel -> {
                outstanding.remove(message.deliveryTag());
                channel.basicNack(message.deliveryTag(), false, true);
                flushAcks(channel);
            });
        } catch (IOException | RuntimeException e) {
            LOGGER.log(DEBUG, () -> "returning an unhandled delivery of " + channelName + ": " + e);
        } finally {
            settled();
        }
    }

    private void settled() {
        unsettledLock.lock();
        try {
            unsettled--;
            if (unsettled <= 0) {
                allSettled.signalAll();
            }
        } finally {
            unsettledLock.unlock();
        }
    }

    /**
     * Stops gracefully: no new deliveries, the undelivered buffer is returned to the broker, the
     * application is told the stream is complete (so it can finish what it holds), and the channel
     * stays open until the application has settled what it holds, or until the drain timeout.
     */
    void drainAndClose() {
        stopping = true;
        String tag = consumerTag;
        try {
            runIfCurrent(generation(), channel -> {
                if (tag != null) {
                    channel.basicCancel(tag);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOGGER.log(DEBUG, () -> "cancelling consumer of " + channelName + ": " + e);
        }
        // Buffered deliveries are not handed out any more: they go back to the queue.
        emitter.onCleanup(this::returnUnhandled);
        emitter.completeNow();
        long waitNanos = drainTimeout.toNanos();
        unsettledLock.lock();
        try {
            while (unsettled > 0 && waitNanos > 0) {
                waitNanos = allSettled.awaitNanos(waitNanos);
            }
            if (unsettled > 0) {
                int left = unsettled;
                LOGGER.log(WARNING, () -> "channel " + channelName + " closes with " + left
                        + " unsettled messages after " + drainTimeout.toMillis() + " ms; the broker delivers them again");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            unsettledLock.unlock();
        }
        try {
            runIfCurrent(generation(), this::flushRemainingAcks);
        } catch (IOException | RuntimeException e) {
            LOGGER.log(DEBUG, () -> "final acknowledgements of " + channelName + ": " + e);
        }
        republisher.close();
        queueStats.close();
        close();
    }

    int unsettledCount() {
        unsettledLock.lock();
        try {
            return unsettled;
        } finally {
            unsettledLock.unlock();
        }
    }
}
