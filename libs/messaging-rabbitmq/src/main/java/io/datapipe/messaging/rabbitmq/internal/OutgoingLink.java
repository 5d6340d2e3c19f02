package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;
import io.datapipe.messaging.rabbitmq.OutgoingRabbitMqMessage;
import io.datapipe.messaging.rabbitmq.RabbitMqPublishException;

import com.rabbitmq.client.AMQP;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import com.rabbitmq.client.AlreadyClosedException;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.WARNING;

/**
 * An outgoing channel: publishes the application's messages as persistent AMQP messages with
 * publisher confirms, and settles each message only when its fate is known:
 * <ul>
 *     <li>{@code ack()} when the broker confirmed it (and, with {@code mandatory}, routed it to a queue);</li>
 *     <li>{@code nack(reason)} when the broker nacked it, returned it as unroutable, did not confirm it
 *     within {@code confirm-timeout-ms}, or the connection was lost first — see
 *     {@link RabbitMqPublishException}.</li>
 * </ul>
 * At most {@code max-in-flight} messages await their confirm at once; that is the demand this
 * subscriber signals upstream.
 *
 * <p>Settings: {@code confirm-timeout-ms} (default 5000), {@code max-in-flight} (default 1024),
 * {@code mandatory} (default {@code true}), {@code persistent} (default {@code true}),
 * {@code content-type} (default {@code application/octet-stream}).
 */
final class OutgoingLink extends BrokerLink implements Subscriber<Message<?>> {

    private static final System.Logger LOGGER = System.getLogger(OutgoingLink.class.getName());

    private final String exchange;
    private final String routingKey;
    private final Duration confirmTimeout;
    private final int maxInFlight;
    private final boolean mandatory;
    private final int deliveryMode;
    private final String defaultContentType;
    private final QueueStats queueStats;
    private final ConcurrentSkipListMap<Long, Pending> pending = new ConcurrentSkipListMap<>();
    private final ReentrantLock drainedLock = new ReentrantLock();
    private final Condition drained = drainedLock.newCondition();
    private volatile Subscription subscription;
    private volatile ScheduledFuture<?> sweeper;

    /** A published message awaiting its confirm. */
    private static final class Pending {
        private final Message<?> message;
        private final String messageId;
        private final long deadline;
        private volatile String returnedBecause;

        private Pending(Message<?> message, String messageId, long deadline) {
            this.message = message;
            this.messageId = messageId;
            this.deadline = deadline;
        }
    }

    OutgoingLink(String channelName, Config config, ScheduledExecutorService scheduler, ChannelMetrics metrics) {
        super(channelName, ConnectionSettings.from(config, channelName), TopologySettings.from(config), scheduler, metrics);
        this.exchange = topology.exchange().orElse("");
        this.routingKey = topology.routingKey().orElse("");
        this.confirmTimeout = Duration.ofMillis(ConnectorAttribute.CONFIRM_TIMEOUT_MS.<Integer>require(config));
        this.maxInFlight = ConnectorAttribute.MAX_IN_FLIGHT.<Integer>require(config);
        this.mandatory = ConnectorAttribute.MANDATORY.<Boolean>require(config);
        this.deliveryMode = ConnectorAttribute.PERSISTENT.<Boolean>require(config) ? 2 : 1;
        this.defaultContentType = ConnectorAttribute.CONTENT_TYPE.<String>require(config);
        if (maxInFlight <= 0) {
            throw new IllegalArgumentException("max-in-flight of channel " + channelName + " must be positive");
        }
        // The publisher reports the depth of the queue it feeds too: while no consumer runs, nobody else would.
        List<String> watched = new ArrayList<>();
        topology.queue().ifPresent(watched::add);
        topology.deadLetterQueue().ifPresent(watched::add);
        this.queueStats = new QueueStats(watched, this::connection, metrics);
        long statsInterval = ConnectorAttribute.QUEUE_STATS_INTERVAL_MS.<Long>require(config);
        if (statsInterval > 0 && !watched.isEmpty()) {
            scheduler.scheduleWithFixedDelay(() -> Untraced.run(queueStats::refresh), 0, statsInterval, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    String direction() {
        return "outgoing";
    }

    @Override
    protected void setUp(Channel channel) throws IOException {
        channel.confirmSelect();
        channel.addConfirmListener(this::confirmed, this::nacked);
        channel.addReturnListener(this::returned);
        if (sweeper == null) {
            long period = Math.max(10, confirmTimeout.toMillis() / 10);
            sweeper = scheduler.scheduleAtFixedRate(this::expire, period, period, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    protected void onChannelLost(ShutdownSignalException cause) {
        // Confirms of the lost channel will never come; its sequence numbers mean nothing to the next one.
        List<Pending> lost = new ArrayList<>(pending.values());
        pending.clear();
        if (!lost.isEmpty()) {
            RabbitMqPublishException reason = new RabbitMqPublishException.BrokerUnavailable(
                    "connection to the broker was lost before the confirm", cause);
            scheduler.execute(() -> lost.forEach(p -> settle(p, reason)));
        }
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        this.subscription = subscription;
        subscription.request(maxInFlight);
    }

    @Override
    public void onNext(Message<?> message) {
        OutgoingRabbitMqMessage<?> outgoing = message instanceof OutgoingRabbitMqMessage<?> o ? o : null;
        String messageId = outgoing == null ? UUID.randomUUID().toString()
                : outgoing.messageId().orElseGet(() -> UUID.randomUUID().toString());
        Pending entry = new Pending(message, messageId, System.nanoTime() + confirmTimeout.toNanos());
        byte[] body;
        try {
            body = body(message.getPayload());
        } catch (RabbitMqPublishException e) {
            settle(entry, e);
            return;
        }
        AMQP.BasicProperties properties = properties(outgoing, messageId);
        String key = outgoing == null ? routingKey : outgoing.routingKey().orElse(routingKey);
        RabbitMqPublishException failure;
        // The publish span (OpenTelemetry agent) is a child of the context the message was made in.
        try (Scope ignored = (outgoing == null ? Context.current() : outgoing.traceContext()).makeCurrent()) {
            failure = publish(entry, key, properties, body);
        }
        if (failure != null) {
            settle(entry, failure);
        }
    }

    private RabbitMqPublishException publish(Pending entry, String key, AMQP.BasicProperties properties, byte[] body) {
        channelLock.lock();
        try {
            Channel channel = currentChannel();
            if (isClosed() || channel == null || !channel.isOpen()) {
                return new RabbitMqPublishException.BrokerUnavailable("not connected to the broker", null);
            }
            Optional<String> blocked = blockedBecause();
            if (blocked.isPresent()) {
                // The broker would not read the message until its alarm clears: fail now, not at the confirm timeout.
                return new RabbitMqPublishException.Blocked("the broker blocks publishing: " + blocked.get());
            }
            long sequence = channel.getNextPublishSeqNo();
            pending.put(sequence, entry);
            try {
                channel.basicPublish(exchange, key, mandatory, properties, body);
                return null;
            } catch (IOException | AlreadyClosedException e) {
                // Unless the channel's loss already failed it, this entry fails here.
                return pending.remove(sequence) == null ? null
                        : new RabbitMqPublishException.BrokerUnavailable("publish failed: " + describe(e), e);
            }
        } finally {
            channelLock.unlock();
        }
    }

    private void confirmed(long sequence, boolean multiple) {
        for (Pending entry : claim(sequence, multiple)) {
            String returned = entry.returnedBecause;
            settle(entry, returned == null ? null : new RabbitMqPublishException.Unroutable(
                    "no queue is bound to " + (exchange.isEmpty() ? "the default exchange" : exchange)
                            + " for this routing key (" + returned + ")"));
        }
    }

    private void nacked(long sequence, boolean multiple) {
        for (Pending entry : claim(sequence, multiple)) {
            settle(entry, new RabbitMqPublishException.Nacked("the broker did not accept the message"));
        }
    }

    private List<Pending> claim(long sequence, boolean multiple) {
        List<Pending> claimed = new ArrayList<>();
        if (multiple) {
            ConcurrentNavigableMap<Long, Pending> head = pending.headMap(sequence, true);
            for (Long key : head.keySet()) {
                Pending entry = pending.remove(key);
                if (entry != null) {
                    claimed.add(entry);
                }
            }
        } else {
            Pending entry = pending.remove(sequence);
            if (entry != null) {
                claimed.add(entry);
            }
        }
        return claimed;
    }

    private void returned(Return returned) {
        // A mandatory message no queue took. The broker sends basic.return before the confirm, so
        // mark the entry; its confirm then settles it as unroutable.
        String messageId = returned.getProperties().getMessageId();
        for (Pending entry : pending.values()) {
            if (entry.messageId.equals(messageId)) {
                entry.returnedBecause = returned.getReplyCode() + " " + returned.getReplyText();
                return;
            }
        }
    }

    private void expire() {
        long now = System.nanoTime();
        for (Map.Entry<Long, Pending> head : pending.entrySet()) {
            if (head.getValue().deadline - now > 0) {
                return;
            }
            Pending entry = pending.remove(head.getKey());
            if (entry != null) {
                settle(entry, new RabbitMqPublishException.Timeout(
                        "no confirm from the broker within " + confirmTimeout.toMillis() + " ms"));
            }
        }
    }

    private void awaitConfirms(Duration wait) {
        long remaining = wait.toNanos();
        drainedLock.lock();
        try {
            while (!pending.isEmpty() && remaining > 0) {
                remaining = drained.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            drainedLock.unlock();
        }
    }

    private void settle(Pending entry, RabbitMqPublishException failure) {
        metrics.published(outcome(failure));
        try {
            if (failure == null) {
                entry.message.ack();
            } else {
                LOGGER.log(DEBUG, () -> "channel " + channelName + ": message " + entry.messageId
                        + " not confirmed: " + failure.getMessage());
                entry.message.nack(failure);
            }
        } catch (RuntimeException e) {
            LOGGER.log(WARNING, "channel " + channelName + ": settling a message failed", e);
        } finally {
            Subscription current = subscription;
            if (current != null) {
                current.request(1);
            }
            if (pending.isEmpty()) {
                drainedLock.lock();
                try {
                    drained.signalAll();
                } finally {
                    drainedLock.unlock();
                }
            }
        }
    }

    private static String outcome(RabbitMqPublishException failure) {
        if (failure == null) {
            return "confirmed";
        }
        if (failure instanceof RabbitMqPublishException.Nacked) {
            return "nacked";
        }
        if (failure instanceof RabbitMqPublishException.Unroutable) {
            return "unroutable";
        }
        if (failure instanceof RabbitMqPublishException.Timeout) {
            return "timeout";
        }
        if (failure instanceof RabbitMqPublishException.Invalid) {
            return "invalid";
        }
        if (failure instanceof RabbitMqPublishException.Blocked) {
            return "blocked";
        }
        return "unavailable";
    }

    private AMQP.BasicProperties properties(OutgoingRabbitMqMessage<?> outgoing, String messageId) {
        Map<String, Object> headers = outgoing == null ? null : new HashMap<>(outgoing.headers());
        return new AMQP.BasicProperties.Builder()
                .messageId(messageId)
                .contentType(outgoing == null ? defaultContentType : outgoing.contentType().orElse(defaultContentType))
                .deliveryMode(deliveryMode)
                .timestamp(new Date())
                .headers(headers == null || headers.isEmpty() ? null : headers)
                .appId(connectionSettings.connectionName())
                .build();
    }

    private static byte[] body(Object payload) {
        if (payload instanceof byte[] bytes) {
            return bytes;
        }
        if (payload instanceof String text) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        throw new RabbitMqPublishException.Invalid("payload must be byte[] or String, not "
                                                           + (payload == null ? "null" : payload.getClass().getName()));
    }

    @Override
    public void onError(Throwable throwable) {
        LOGGER.log(WARNING, "channel " + channelName + ": the application's stream failed", throwable);
        stop(Duration.ZERO);
    }

    @Override
    public void onComplete() {
        stop(confirmTimeout);
    }

    /**
     * Stops: cancels the upstream, waits up to {@code wait} for outstanding confirms, fails the rest
     * and closes.
     */
    void stop(Duration wait) {
        Subscription current = subscription;
        if (current != null) {
            current.cancel();
        }
        awaitConfirms(wait);
        ScheduledFuture<?> task = sweeper;
        if (task != null) {
            task.cancel(false);
        }
        List<Pending> left = new ArrayList<>(pending.values());
        pending.clear();
        RabbitMqPublishException reason = new RabbitMqPublishException.BrokerUnavailable("the channel was stopped", null);
        left.forEach(p -> settle(p, reason));
        queueStats.close();
        close();
    }

    int inFlight() {
        return pending.size();
    }
}
