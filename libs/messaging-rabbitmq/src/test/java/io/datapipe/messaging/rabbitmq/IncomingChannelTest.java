package io.datapipe.messaging.rabbitmq;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.datapipe.messaging.rabbitmq.Channels.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class IncomingChannelTest {

    private final TestRabbitMq broker = TestRabbitMq.get();
    private TestTopology topology;
    private Channels channels;

    @BeforeEach
    void setUp() {
        topology = broker.topology("incoming");
        channels = new Channels(broker, topology);
    }

    @AfterEach
    void tearDown() {
        channels.stop();
        topology.close();
    }

    @Test
    void deliversMessagesWithTheirPropertiesAndRemovesThemOnlyWhenAcked() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(3);

        receiver.request(10);
        List<Message<byte[]>> messages = receiver.next(3);

        assertThat(messages).extracting(m -> new String(m.getPayload(), StandardCharsets.UTF_8))
                .containsExactly("m0", "m1", "m2");
        assertThat(meta(messages.get(0)).messageId()).contains("id-0");
        assertThat(meta(messages.get(0)).header("user-id")).contains("alice");
        assertThat(meta(messages.get(0)).isRedelivered()).isFalse();
        assertThat(channels.connector().unsettledIncoming()).isEqualTo(3);

        for (Message<byte[]> message : messages) {
            message.ack().toCompletableFuture().join();
        }
        assertThat(channels.connector().unsettledIncoming()).isZero();
        channels.stop();
        // Nothing is left behind: acknowledged messages are gone from the queue.
        assertThat(broker.messageCount(topology.queue())).isZero();
    }

    @Test
    void holdsNoMoreUnacknowledgedMessagesThanThePrefetch() throws Exception {
        Map<String, String> config = channels.base("records");
        config.put("prefetch", "3");
        Channels.Receiver receiver = channels.receiver(config);
        awaitUp();
        publish(10);

        receiver.request(100);
        List<Message<byte[]>> first = receiver.next(3);

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> receiver.pending() == 0 && channels.connector().unsettledIncoming() == 3);
        assertThat(broker.messageCount(topology.queue())).isEqualTo(7);

        first.get(0).ack();
        receiver.next();
    }

    @Test
    void redeliversANackedMessage() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(1);
        receiver.request(10);

        Message<byte[]> first = receiver.next();
        first.nack(new IllegalStateException("database is down")).toCompletableFuture().join();
        Message<byte[]> again = receiver.next();

        assertThat(meta(again).messageId()).isEqualTo(meta(first).messageId());
        assertThat(meta(again).isRedelivered()).isTrue();
        assertThat(meta(again).deliveryCount()).isEqualTo(1);
        again.ack();
    }

    @Test
    void deadLettersAMessageNackedAsHopeless() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(1);
        receiver.request(10);

        receiver.next().nack(new DeadLetterException("not a record")).toCompletableFuture().join();

        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(topology.deadLetterQueue()) == 1);
        assertThat(broker.messageCount(topology.queue())).isZero();
    }

    @Test
    void deadLetteredMessagesSayWhy() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(1);
        receiver.request(10);

        receiver.next().nack(new DeadLetterException("not a record", new IllegalArgumentException("bad id")))
                .toCompletableFuture().join();

        GetResponse dead = await().atMost(Duration.ofSeconds(10)).until(() -> get(topology.deadLetterQueue()), r -> r != null);
        Map<String, Object> headers = dead.getProps().getHeaders();
        assertThat(headers.get(FailureHeaders.DEAD_LETTER_REASON).toString()).isEqualTo("rejected");
        assertThat(headers.get(FailureHeaders.FAILURE_CLASS).toString()).isEqualTo(IllegalArgumentException.class.getName());
        assertThat(headers.get(FailureHeaders.FAILURE_MESSAGE).toString()).isEqualTo("not a record");
        assertThat(headers.get(FailureHeaders.ATTEMPTS)).isEqualTo(1);
        assertThat(headers.get(FailureHeaders.ORIGINAL_ROUTING_KEY).toString()).isEqualTo(topology.routingKey());
        assertThat(headers.get(FailureHeaders.ORIGINAL_QUEUE).toString()).isEqualTo(topology.queue());
        assertThat(headers.get(FailureHeaders.FAILED_AT)).isNotNull();
        assertThat(headers.get("user-id").toString()).isEqualTo("alice");
        assertThat(dead.getProps().getMessageId()).isEqualTo("id-0");
        assertThat(new String(dead.getBody(), StandardCharsets.UTF_8)).isEqualTo("m0");
        assertThat(broker.messageCount(topology.queue())).isZero();
    }

    @Test
    void retriesAfterEachDelayThenDeadLettersWithTheReason() throws Exception {
        Map<String, String> config = channels.base("records");
        config.put("failure-strategy", "retry-queues");
        config.put("retry-delays-ms", topology.retryDelaysSetting());
        Channels.Receiver receiver = channels.receiver(config);
        awaitUp();
        publish(1);
        receiver.request(10);

        Message<byte[]> first = receiver.next();
        long failedAt = System.nanoTime();
        first.nack(new IllegalStateException("attempt 1")).toCompletableFuture().join();
        for (int retry = 1; retry <= topology.retryDelaysMs().size(); retry++) {
            Message<byte[]> again = receiver.next();
            long waitedMs = (System.nanoTime() - failedAt) / 1_000_000;
            // It came back through the retry queue of this attempt, not straight away.
            assertThat(waitedMs).isGreaterThanOrEqualTo(topology.retryDelaysMs().get(retry - 1));
            assertThat(meta(again).messageId()).contains("id-0");
            assertThat(meta(again).headers().get(FailureHeaders.RETRY_COUNT)).isEqualTo(retry);
            assertThat(meta(again).header(FailureHeaders.FAILURE_MESSAGE)).contains("attempt " + retry);
            failedAt = System.nanoTime();
            again.nack(new IllegalStateException("attempt " + (retry + 1))).toCompletableFuture().join();
        }

        GetResponse dead = await().atMost(Duration.ofSeconds(10)).until(() -> get(topology.deadLetterQueue()), r -> r != null);
        Map<String, Object> headers = dead.getProps().getHeaders();
        assertThat(headers.get(FailureHeaders.DEAD_LETTER_REASON).toString()).isEqualTo("retries-exhausted");
        assertThat(headers.get(FailureHeaders.ATTEMPTS)).isEqualTo(topology.retryDelaysMs().size() + 1);
        assertThat(headers.get(FailureHeaders.FAILURE_CLASS).toString()).isEqualTo(IllegalStateException.class.getName());
        assertThat(headers.get(FailureHeaders.FAILURE_MESSAGE).toString()).isEqualTo("attempt 4");
        assertThat(headers.get(FailureHeaders.ORIGINAL_ROUTING_KEY).toString()).isEqualTo(topology.routingKey());
        assertThat(headers.get(FailureHeaders.ORIGINAL_EXCHANGE).toString()).isEqualTo(topology.exchange());
        assertThat(receiver.pending()).isZero();
        assertThat(broker.messageCount(topology.queue())).isZero();
    }

    @Test
    void acknowledgesOutOfOrderSettlementsWithoutAcknowledgingWhatIsStillHeld() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(4);
        receiver.request(10);
        List<Message<byte[]>> messages = receiver.next(4);

        // The last two are settled first: they cannot be acknowledged together with the first two,
        // which the application still holds.
        messages.get(3).ack().toCompletableFuture().join();
        messages.get(2).ack().toCompletableFuture().join();
        messages.get(0).nack(new IllegalStateException("try again")).toCompletableFuture().join();

        // The nacked one comes back; the held one is not acknowledged by anyone else's ack.
        Message<byte[]> again = receiver.next();
        assertThat(meta(again).messageId()).isEqualTo(meta(messages.get(0)).messageId());
        channels.stop();

        // Closing returned what was held (the second) and the redelivered first; the acknowledged two are gone.
        // The broker requeues them once it has processed the close, a moment after stop() returns.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.messageCount(topology.queue())).isEqualTo(2));
    }

    @Test
    void settlesEachMessageOnce() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(2);
        receiver.request(10);

        Message<byte[]> message = receiver.next();
        message.ack().toCompletableFuture().join();
        // A second settlement must not reach the broker: acking a tag twice would close the channel.
        message.nack(new IllegalStateException("late")).toCompletableFuture().join();
        message.ack().toCompletableFuture().join();

        Message<byte[]> second = receiver.next();
        second.ack().toCompletableFuture().join();
        assertThat(channels.connector().status()).allSatisfy(status -> assertThat(status.isUp()).isTrue());
    }

    @Test
    void completesTheStreamAndWaitsForTheApplicationWhenStopped() throws Exception {
        Channels.Receiver receiver = channels.receiver(channels.base("records"));
        awaitUp();
        publish(2);
        receiver.request(1);
        Message<byte[]> held = receiver.next();

        Thread stopper = new Thread(channels::stop);
        stopper.start();
        await().atMost(Duration.ofSeconds(5)).until(receiver::isCompleted);
        // The channel stays open while the application still holds a message, so its ack lands.
        assertThat(stopper.isAlive()).isTrue();
        held.ack().toCompletableFuture().join();
        stopper.join(10_000);

        assertThat(stopper.isAlive()).isFalse();
        // The acknowledged message is gone; the one never handed out goes back to the queue once the broker
        // has processed the close.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(broker.messageCount(topology.queue())).isEqualTo(1));
    }

    private void publish(int count) throws IOException, TimeoutException, InterruptedException {
        try (Connection connection = broker.connect("test-publish"); Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (int i = 0; i < count; i++) {
                AMQP.BasicProperties properties = MessageProperties.PERSISTENT_BASIC.builder()
                        .messageId("id-" + i)
                        .headers(Map.of("user-id", "alice"))
                        .build();
                channel.basicPublish(topology.exchange(), topology.routingKey(), true, properties,
                                     ("m" + i).getBytes(StandardCharsets.UTF_8));
            }
            channel.waitForConfirmsOrDie(10_000);
        }
    }

    private GetResponse get(String queue) throws IOException, TimeoutException {
        try (Connection connection = broker.connect("test-get"); Channel channel = connection.createChannel()) {
            return channel.basicGet(queue, true);
        }
    }

    private void awaitUp() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> channels.connector().status().stream().allMatch(ChannelStatus::isUp));
    }
}
