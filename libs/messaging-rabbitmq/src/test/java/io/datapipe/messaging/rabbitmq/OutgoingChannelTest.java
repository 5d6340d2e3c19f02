package io.datapipe.messaging.rabbitmq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class OutgoingChannelTest {

    private final TestRabbitMq broker = TestRabbitMq.get();
    private TestTopology topology;
    private Channels channels;

    @BeforeEach
    void setUp() {
        topology = broker.topology("outgoing");
        channels = new Channels(broker, topology);
    }

    @AfterEach
    void tearDown() {
        channels.stop();
        topology.close();
    }

    @Test
    void publishesAPersistentMessageWithItsPropertiesAndCompletesOnTheConfirm() throws Exception {
        Channels.Sender sender = channels.sender(channels.base("records"));
        awaitUp();

        CompletableFuture<Void> confirmed = sender.send(OutgoingRabbitMqMessage.builder(utf8("{\"a\":1}"))
                                                                .messageId("m-1")
                                                                .contentType("application/json")
                                                                .header("user-id", "alice"));

        confirmed.get(10, TimeUnit.SECONDS);
        try (Connection connection = broker.connect("test-inspect"); Channel channel = connection.createChannel()) {
            GetResponse response = channel.basicGet(topology.queue(), true);
            assertThat(response).isNotNull();
            assertThat(new String(response.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
            assertThat(response.getProps().getDeliveryMode()).isEqualTo(2);
            assertThat(response.getProps().getMessageId()).isEqualTo("m-1");
            assertThat(response.getProps().getContentType()).isEqualTo("application/json");
            assertThat(response.getProps().getHeaders()).containsKey("user-id");
            assertThat(response.getProps().getHeaders().get("user-id").toString()).isEqualTo("alice");
            assertThat(response.getEnvelope().getRoutingKey()).isEqualTo(topology.routingKey());
        }
    }

    @Test
    void completesOnlyWithTheBrokersAnswerSoARefusedMessageFails() throws Exception {
        // A queue that holds one message and refuses more: the broker confirms the first publish and
        // nacks the second, so the second future must fail although the send itself went out.
        // Exclusive: gone with the connection that declared it, at the end of the test.
        String bounded = topology.queue() + ".bounded";
        try (Connection connection = broker.connect("test-setup"); Channel channel = connection.createChannel()) {
            channel.queueDeclare(bounded, false, true, false, Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
            channel.queueBind(bounded, topology.exchange(), bounded);
            Map<String, String> config = channels.base("records");
            config.put("routing-key", bounded);
            Channels.Sender sender = channels.sender(config);
            awaitUp();

            sender.send(OutgoingRabbitMqMessage.builder(utf8("first"))).get(10, TimeUnit.SECONDS);
            CompletableFuture<Void> second = sender.send(OutgoingRabbitMqMessage.builder(utf8("second")));

            assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RabbitMqPublishException.Nacked.class);
            assertThat(channel.queueDeclarePassive(bounded).getMessageCount()).isEqualTo(1);
        }
    }

    @Test
    void failsAMandatoryMessageThatNoQueueReceives() {
        Map<String, String> config = channels.base("records");
        config.put("routing-key", "nobody.listens");
        config.remove("queue");
        Channels.Sender sender = channels.sender(config);
        awaitUp();

        CompletableFuture<Void> confirmed = sender.send(OutgoingRabbitMqMessage.builder(utf8("lost?")));

        assertThatThrownBy(() -> confirmed.get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RabbitMqPublishException.Unroutable.class);
    }

    @Test
    void failsAtOnceWhenTheBrokerCannotBeReached() {
        Map<String, String> config = channels.base("records");
        config.put("port", "1");
        Channels.Sender sender = channels.sender(config);

        CompletableFuture<Void> confirmed = sender.send(OutgoingRabbitMqMessage.builder(utf8("x")));

        assertThatThrownBy(() -> confirmed.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(RabbitMqPublishException.BrokerUnavailable.class);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(channels.connector().status())
                .singleElement()
                .satisfies(status -> {
                    assertThat(status.state()).isEqualTo(ChannelState.CONNECTING);
                    assertThat(status.lastError()).hasValueSatisfying(error -> assertThat(error).contains("Connection refused"));
                }));
    }

    @Test
    void refusesAPayloadItCannotSend() {
        Channels.Sender sender = channels.sender(channels.base("records"));
        awaitUp();
        CompletableFuture<Void> confirmed = new CompletableFuture<>();

        sender.emit(Message.of(new Object(), () -> {
            confirmed.complete(null);
            return CompletableFuture.completedFuture(null);
        }, reason -> {
            confirmed.completeExceptionally(reason);
            return CompletableFuture.completedFuture(null);
        }));

        assertThatThrownBy(() -> confirmed.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RabbitMqPublishException.Invalid.class);
    }

    @Test
    void publishesManyMessagesConcurrentlyAndConfirmsEachOne() throws Exception {
        Map<String, String> config = channels.base("records");
        config.put("max-in-flight", "64");
        Channels.Sender sender = channels.sender(config);
        awaitUp();

        CompletableFuture<?>[] confirms = new CompletableFuture<?>[2_000];
        for (int i = 0; i < confirms.length; i++) {
            confirms[i] = sender.send(OutgoingRabbitMqMessage.builder(utf8("m" + i)).messageId("m" + i));
        }

        CompletableFuture.allOf(confirms).get(30, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.messageCount(topology.queue()) == 2_000);
        assertThat(channels.connector().inFlightOutgoing()).isZero();
    }

    private void awaitUp() {
        await().atMost(Duration.ofSeconds(10))
                .until(() -> channels.connector().status().stream().allMatch(ChannelStatus::isUp));
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
