package io.datapipe.messaging.rabbitmq;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;

/**
 * Operations on the dead-letter queue of an incoming channel: look at what is there and why, and
 * replay messages to the work queue once whatever made them fail is fixed.
 */
public final class DeadLetterQueue {

    private final String deadLetterQueue;
    private final String workQueue;
    private final Supplier<Connection> connection;

    DeadLetterQueue(String deadLetterQueue, String workQueue, Supplier<Connection> connection) {
        this.deadLetterQueue = deadLetterQueue;
        this.workQueue = workQueue;
        this.connection = connection;
    }

    /** @return the dead-letter queue's name */
    public String name() {
        return deadLetterQueue;
    }

    /** @return the work queue replayed messages go to */
    public String workQueue() {
        return workQueue;
    }

    /**
     * A dead-lettered message, without its body.
     *
     * @param messageId   its message id
     * @param headers     its headers, among them the {@link FailureHeaders}
     * @param bodyBytes   the size of its body
     */
    public record DeadLetter(Optional<String> messageId, Map<String, String> headers, int bodyBytes) {
    }

    /**
     * Messages in the queue and the first few of them, left where they are.
     *
     * @param depth    messages in the queue
     * @param messages the first messages, oldest first
     */
    public record Peek(long depth, List<DeadLetter> messages) {
    }

    /**
     * Looks at the oldest messages without removing them.
     *
     * @param limit at most this many
     * @return the queue depth and the messages
     * @throws IOException when the broker cannot be reached
     */
    public synchronized Peek peek(int limit) throws IOException {
        try (Channel channel = open()) {
            long depth = channel.queueDeclarePassive(deadLetterQueue).getMessageCount();
            List<DeadLetter> messages = new ArrayList<>();
            for (int i = 0; i < limit; i++) {
                GetResponse response = channel.basicGet(deadLetterQueue, false);
                if (response == null) {
                    break;
                }
                messages.add(describe(response));
            }
            // Closing the channel returns every message it got, unacknowledged, to the queue.
            return new Peek(depth, messages);
        } catch (TimeoutException e) {
            throw new IOException(e);
        }
    }

    /**
     * Moves the oldest messages back to the work queue, each one confirmed there before it is removed
     * from the dead-letter queue. Their retry count starts again; their failure headers stay, for history.
     *
     * @param limit at most this many
     * @return how many were moved
     * @throws IOException when the broker cannot be reached or does not confirm
     */
    public synchronized int replay(int limit) throws IOException {
        int moved = 0;
        try (Channel channel = open()) {
            channel.confirmSelect();
            for (; moved < limit; moved++) {
                GetResponse response = channel.basicGet(deadLetterQueue, false);
                if (response == null) {
                    break;
                }
                Map<String, Object> headers = new HashMap<>(Optional.ofNullable(response.getProps().getHeaders()).orElse(Map.of()));
                headers.remove(FailureHeaders.RETRY_COUNT);
                headers.remove(IncomingRabbitMqMessage.DELIVERY_COUNT_HEADER);
                headers.put(FailureHeaders.REPLAYED_AT, Instant.now().toString());
                AMQP.BasicProperties properties = response.getProps().builder().deliveryMode(2).headers(headers).build();
                channel.basicPublish("", workQueue, true, properties, response.getBody());
                channel.waitForConfirmsOrDie(10_000);
                channel.basicAck(response.getEnvelope().getDeliveryTag(), false);
            }
            return moved;
        } catch (TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("the broker did not confirm a replayed message; " + moved + " were moved", e);
        }
    }

    private Channel open() throws IOException {
        Connection current = connection.get();
        if (current == null || !current.isOpen()) {
            throw new IOException("not connected to the broker");
        }
        return current.createChannel();
    }

    private static DeadLetter describe(GetResponse response) {
        Map<String, String> headers = new HashMap<>();
        Optional.ofNullable(response.getProps().getHeaders()).orElse(Map.of()).forEach((name, value) -> {
            if (!name.equals("x-death")) {
                headers.put(name, String.valueOf(value));
            }
        });
        return new DeadLetter(Optional.ofNullable(response.getProps().getMessageId()), headers, response.getBody().length);
    }
}
