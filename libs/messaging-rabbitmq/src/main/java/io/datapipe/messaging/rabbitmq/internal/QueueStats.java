package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

import static java.lang.System.Logger.Level.DEBUG;

/**
 * Asks the broker, now and then, how deep the queues of a channel are and how many consumers
 * they have (a passive declare: it changes nothing), and exposes the answers as gauges. A queue the
 * broker does not know reads as -1.
 */
final class QueueStats {

    private static final System.Logger LOGGER = System.getLogger(QueueStats.class.getName());

    private final List<String> queues;
    private final Supplier<Connection> connection;
    private final Map<String, long[]> latest = new ConcurrentHashMap<>();
    private Channel channel;

    QueueStats(List<String> queues, Supplier<Connection> connection, ChannelMetrics metrics) {
        this.queues = List.copyOf(queues);
        this.connection = connection;
        for (String queue : this.queues) {
            latest.put(queue, new long[] {-1, -1});
            metrics.queue(queue, () -> latest.get(queue)[0], () -> latest.get(queue)[1]);
        }
    }

    synchronized void refresh() {
        for (String queue : queues) {
            try {
                AMQP.Queue.DeclareOk answer = channel().queueDeclarePassive(queue);
                latest.put(queue, new long[] {answer.getMessageCount(), answer.getConsumerCount()});
            } catch (IOException | RuntimeException e) {
                // An unknown queue closes the channel: open another next time.
                latest.put(queue, new long[] {-1, -1});
                channel = null;
                LOGGER.log(DEBUG, () -> "no statistics for queue " + queue + ": " + e.getMessage());
            }
        }
    }

    private Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            Connection current = connection.get();
            if (current == null || !current.isOpen()) {
                throw new IOException("not connected");
            }
            channel = current.createChannel();
        }
        return channel;
    }

    synchronized void close() {
        if (channel != null) {
            BrokerLink.closeQuietly(channel);
            channel = null;
        }
    }
}
