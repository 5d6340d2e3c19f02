package io.datapipe.messaging.rabbitmq.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

/**
 * Sends a copy of a consumed message elsewhere (a retry queue, the dead-letter exchange, back to the
 * work queue) and returns only once the broker has confirmed and routed it. It uses a channel of its
 * own in confirm mode, on the consumer's connection, one message at a time.
 */
final class Republisher {

    private final Supplier<Connection> connection;
    private final Duration confirmTimeout;
    private Channel channel;
    private volatile String returned;

    Republisher(Supplier<Connection> connection, Duration confirmTimeout) {
        this.connection = connection;
        this.confirmTimeout = confirmTimeout;
    }

    /**
     * Publishes and waits for the confirm.
     *
     * @throws IOException when the broker nacked the copy, no queue took it, or the channel failed
     */
    synchronized void publish(String exchange, String routingKey, AMQP.BasicProperties properties, byte[] body)
            throws IOException {
        try {
            Channel current = channel();
            returned = null;
            current.basicPublish(exchange, routingKey, true, properties, body);
            current.waitForConfirmsOrDie(confirmTimeout.toMillis());
            if (returned != null) {
                throw new IOException("no queue is bound to '" + exchange + "' with routing key '" + routingKey
                                              + "' (" + returned + ")");
            }
        } catch (TimeoutException e) {
            closeChannel();
            throw new IOException("the broker did not confirm the copy within " + confirmTimeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the broker", e);
        } catch (IOException | RuntimeException e) {
            closeChannel();
            throw e instanceof IOException io ? io : new IOException(e);
        }
    }

    private Channel channel() throws IOException {
        if (channel == null || !channel.isOpen()) {
            Connection current = connection.get();
            if (current == null || !current.isOpen()) {
                throw new IOException("not connected to the broker");
            }
            Channel opened = current.createChannel();
            opened.confirmSelect();
            opened.addReturnListener(r -> returned = r.getReplyCode() + " " + r.getReplyText());
            channel = opened;
        }
        return channel;
    }

    synchronized void close() {
        closeChannel();
    }

    private void closeChannel() {
        if (channel != null) {
            BrokerLink.closeQuietly(channel);
            channel = null;
        }
    }
}
