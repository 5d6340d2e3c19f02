package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.datapipe.messaging.rabbitmq.DeadLetterQueue;
import io.datapipe.messaging.rabbitmq.FailureHeaders;
import io.datapipe.messaging.rabbitmq.IncomingRabbitMqMetadata;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;

/** A {@link DeadLetterQueue} over the incoming channel's connection, one short-lived AMQP channel per call. */
final class BrokerDeadLetterQueue implements DeadLetterQueue {

    private final String deadLetterQueue;
    private final String workQueue;
    private final Supplier<Connection> connection;

    BrokerDeadLetterQueue(String deadLetterQueue, String workQueue, Supplier<Connection> connection) {
        this.deadLetterQueue = deadLetterQueue;
        this.workQueue = workQueue;
        this.connection = connection;
    }

    @Override
    public String name() {
        return deadLetterQueue;
    }

    @Override
    public String workQueue() {
        return workQueue;
    }


    @Override
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

    @Override
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
                headers.remove(IncomingRabbitMqMetadata.DELIVERY_COUNT_HEADER);
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
