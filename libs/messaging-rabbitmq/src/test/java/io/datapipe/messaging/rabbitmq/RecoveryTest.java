package io.datapipe.messaging.rabbitmq;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.datapipe.messaging.rabbitmq.Channels.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** The broker closes the connections (as an operator or a broker restart would); the channels come back. */
class RecoveryTest {

    private final TestRabbitMq broker = TestRabbitMq.get();
    private TestTopology topology;
    private Channels channels;

    @BeforeEach
    void setUp() {
        assumeThat(broker.canCloseConnections()).as("rabbitmqctl reachable").isTrue();
        topology = broker.topology("recovery");
        channels = new Channels(broker, topology);
    }

    @AfterEach
    void tearDown() {
        if (channels != null) {
            channels.stop();
            topology.close();
        }
    }

    @Test
    void reconnectsAndRedeliversWhatWasNotAcknowledged() throws Exception {
        Channels.Sender sender = channels.sender(channels.base("out"));
        Channels.Receiver receiver = channels.receiver(channels.base("in"));
        awaitState(true);
        sender.send(OutgoingRabbitMqMessage.builder(utf8("before")).messageId("before")).get(10, TimeUnit.SECONDS);
        receiver.request(100);
        Message<byte[]> unacked = receiver.next();
        assertThat(meta(unacked).messageId()).contains("before");

        assertThat(broker.closeConnections(topology.exchange())).isEqualTo(2);

        // Both channels notice, reconnect by themselves and report it.
        awaitState(true);
        // The message that was not acknowledged comes again, flagged as a redelivery ...
        Message<byte[]> redelivered = receiver.next();
        assertThat(meta(redelivered).messageId()).contains("before");
        assertThat(meta(redelivered).isRedelivered()).isTrue();
        // ... and acknowledging the stale copy is harmless: it must not reach the new channel.
        unacked.ack().toCompletableFuture().join();
        redelivered.ack().toCompletableFuture().join();

        // Publishing works again and is confirmed.
        sender.send(OutgoingRabbitMqMessage.builder(utf8("after")).messageId("after")).get(10, TimeUnit.SECONDS);
        Message<byte[]> after = receiver.next();
        assertThat(meta(after).messageId()).contains("after");
        after.ack().toCompletableFuture().join();
        assertThat(channels.connector().status()).allSatisfy(status -> assertThat(status.isUp()).isTrue());
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.messageCount(topology.queue()) == 0);
    }

    private void awaitState(boolean up) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> channels.connector().status().size() == 2
                        && channels.connector().status().stream().allMatch(s -> s.isUp() == up));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
