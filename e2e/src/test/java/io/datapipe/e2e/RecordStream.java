package io.datapipe.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.datapipe.contract.BoundedJson;
import io.datapipe.contract.JsonLimits;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;

/**
 * A stream of records published the way the generator does (persistent, confirmed, to the records
 * exchange), at a steady rate in the background, so that faults can be injected while it flows.
 */
final class RecordStream {

    private final Set<UUID> published = ConcurrentHashMap.newKeySet();
    private final AtomicInteger sent = new AtomicInteger();
    private final CompletableFuture<Void> done;

    private RecordStream(TestRabbitMq broker, TestTopology topology, int count, int perSecond) {
        this.done = CompletableFuture.runAsync(() -> run(broker, topology, count, perSecond));
    }

    static RecordStream start(TestRabbitMq broker, TestTopology topology, int count, int perSecond) {
        return new RecordStream(broker, topology, count, perSecond);
    }

    private void run(TestRabbitMq broker, TestTopology topology, int count, int perSecond) {
        RecordCodec codec = RecordCodec.standard();
        BoundedJson json = new BoundedJson(JsonLimits.PAYLOAD);
        long start = System.nanoTime();
        try (Connection connection = broker.connect(topology.exchange() + "-stream");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (int i = 0; i < count; i++) {
                RecordMessage record = new RecordMessage(
                        RecordIds.next(), "user-" + (i % 50),
                        json.parseObject(("{\"n\":" + i + ",\"padding\":\"" + "x".repeat(100) + "\"}")
                                                 .getBytes(StandardCharsets.UTF_8)),
                        Instant.now().truncatedTo(ChronoUnit.MILLIS));
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                        .deliveryMode(2).contentType(RecordCodec.CONTENT_TYPE).messageId(record.id().toString())
                        .headers(java.util.Map.of(RecordCodec.USER_ID_HEADER, record.userId())).build();
                channel.basicPublish(topology.exchange(), topology.routingKey(), true, properties, codec.encode(record));
                published.add(record.id());
                sent.incrementAndGet();
                if (i % 100 == 99) {
                    channel.waitForConfirmsOrDie(30_000);
                    // Steady rate: sleep until this batch is due, so faults land mid-stream.
                    long due = start + (long) ((i + 1) * 1e9 / perSecond);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            }
            channel.waitForConfirmsOrDie(30_000);
        } catch (Exception e) {
            throw new IllegalStateException("the record stream failed after " + sent.get() + " records", e);
        }
    }

    /** Waits until every record is published and confirmed. */
    Set<UUID> awaitPublished() {
        done.join();
        return Set.copyOf(published);
    }

    /**
     * True while the stream runs or once it has finished; throws at once if it failed, so that a wait for
     * rows that will never come reports why instead of timing out.
     */
    boolean healthy() {
        if (done.isCompletedExceptionally()) {
            done.join();
        }
        return true;
    }

    int sent() {
        return sent.get();
    }
}
