package io.datapipe.messaging.rabbitmq;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;
import io.helidon.config.mp.MpConfigSources;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.spi.ConnectorFactory;
import org.eclipse.microprofile.reactive.streams.operators.ReactiveStreams;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/** Builds connector channels against the test broker, the way the messaging runtime would. */
final class Channels {

    private final TestRabbitMq broker;
    private final TestTopology topology;
    private final RabbitMqConnector connector = new RabbitMqConnector();

    Channels(TestRabbitMq broker, TestTopology topology) {
        this.broker = broker;
        this.topology = topology;
    }

    RabbitMqConnector connector() {
        return connector;
    }

    Map<String, String> base(String channel) {
        Map<String, String> config = new HashMap<>(broker.connectionConfig(""));
        config.put(ConnectorFactory.CHANNEL_NAME_ATTRIBUTE, channel);
        config.put("connection-name", topology.exchange() + "-" + channel);
        config.put("exchange", topology.exchange());
        config.put("routing-key", topology.routingKey());
        config.put("queue", topology.queue());
        config.put("dead-letter-exchange", topology.deadLetterExchange());
        config.put("dead-letter-queue", topology.deadLetterQueue());
        config.put("recovery-interval-ms", "200");
        config.put("drain-timeout-ms", "1000");
        return config;
    }

    /** An outgoing channel fed by the returned queue of messages. */
    Sender sender(Map<String, String> config) {
        Sender sender = new Sender();
        ReactiveStreams.fromPublisher(sender.publisher)
                .to(connector.getSubscriberBuilder(config(config)))
                .run();
        return sender;
    }

    /** An incoming channel, read by the returned subscriber (which requests nothing until told to). */
    Receiver receiver(Map<String, String> config) {
        Receiver receiver = new Receiver();
        connector.getPublisherBuilder(config(config)).to(receiver).run();
        return receiver;
    }

    void stop() {
        connector.stop();
    }

    /** What the broker delivered with a message; every message of an incoming channel has it. */
    static IncomingRabbitMqMetadata meta(Message<?> message) {
        return IncomingRabbitMqMetadata.of(message).orElseThrow(() -> new AssertionError("no RabbitMQ metadata on " + message));
    }

    static Config config(Map<String, String> values) {
        return ConfigProviderResolver.instance().getBuilder()
                .withSources(MpConfigSources.create(values))
                .build();
    }

    /** Sends messages into an outgoing channel. */
    static final class Sender {
        private final io.helidon.common.reactive.BufferedEmittingPublisher<Message<?>> emitter =
                io.helidon.common.reactive.BufferedEmittingPublisher.create();
        private final org.reactivestreams.Publisher<Message<?>> publisher =
                org.reactivestreams.FlowAdapters.toPublisher(emitter);

        /** Sends any message as it is. */
        void emit(Message<?> message) {
            emitter.emit(message);
        }

        /** Sends a message; the future completes when the broker confirmed it, or fails with the reason. */
        CompletableFuture<Void> send(OutgoingRabbitMqMessage.Builder<byte[]> message) {
            CompletableFuture<Void> confirmed = new CompletableFuture<>();
            emitter.emit(message.completing(confirmed).build());
            return confirmed;
        }
    }

    /** Collects what an incoming channel delivers, requesting only as much as the test asks. */
    static final class Receiver implements Subscriber<Message<?>> {
        private final BlockingQueue<Message<byte[]>> received = new LinkedBlockingQueue<>();
        private final CompletableFuture<Subscription> subscription = new CompletableFuture<>();
        private final CompletableFuture<Void> completed = new CompletableFuture<>();

        void request(long n) {
            subscription.join().request(n);
        }

        Message<byte[]> next() throws InterruptedException {
            Message<byte[]> message = received.poll(20, TimeUnit.SECONDS);
            if (message == null) {
                throw new AssertionError("no message delivered within 20 s");
            }
            return message;
        }

        List<Message<byte[]>> next(int count) throws InterruptedException {
            List<Message<byte[]>> messages = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                messages.add(next());
            }
            return messages;
        }

        int pending() {
            return received.size();
        }

        boolean isCompleted() {
            return completed.isDone();
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription.complete(s);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void onNext(Message<?> message) {
            received.add((Message<byte[]>) message);
        }

        @Override
        public void onError(Throwable throwable) {
            completed.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            completed.complete(null);
        }
    }
}
