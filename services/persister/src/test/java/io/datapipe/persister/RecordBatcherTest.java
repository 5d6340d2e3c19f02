package io.datapipe.persister;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

import io.datapipe.contract.BoundedJson;
import io.datapipe.contract.JsonLimits;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;
import io.datapipe.messaging.rabbitmq.DeadLetterException;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How {@link RecordBatcher} settles each message for each outcome of a batch, with a store that answers
 * as told. What a real database answers is {@link PersisterTest}'s part.
 */
class RecordBatcherTest {

    private static final RecordCodec CODEC = RecordCodec.standard();
    private static final int BATCH = 4;
    private static final int WINDOW = 8;

    private final ScriptedStore store = new ScriptedStore();
    private final CountingMetrics metrics = new CountingMetrics();
    private final AtomicLong requested = new AtomicLong();
    private RecordBatcher batcher;

    @BeforeEach
    void subscribe() {
        batcher = new RecordBatcher(store, metrics, BATCH, Duration.ofSeconds(30), WINDOW, Duration.ofSeconds(5));
        batcher.onSubscribe(new Subscription() {
            @Override
            public void request(long n) {
                requested.addAndGet(n);
            }

            @Override
            public void cancel() {
            }
        });
        assertThat(requested).hasValue(WINDOW);
    }

    @Test
    void acknowledgesAFullBatchOnceItIsStoredAndAsksForAsManyMore() {
        List<Tracked> messages = deliver(BATCH);

        awaitBatchesSettled(1);
        assertThat(messages).allMatch(Tracked::acked);
        assertThat(store.batches).hasSize(1);
        assertThat(metrics.stored).hasValue(BATCH);
        assertThat(requested).hasValue(WINDOW + BATCH);
    }

    @Test
    void sendsARecordTheDatabaseRefusedToTheRetryRouteWithTheReasonAndAcknowledgesTheRest() {
        List<RecordMessage> records = List.of(record(), record(), record(), record());
        store.refuse(records.get(2).id(), "value too long for type character varying(128)");
        List<Tracked> messages = deliver(records);

        awaitBatchesSettled(1);
        assertThat(messages.get(2).nackedWith()).isInstanceOf(RecordBatcher.RecordRefusedException.class)
                .hasMessageContaining("value too long");
        assertThat(List.of(messages.get(0), messages.get(1), messages.get(3))).allMatch(Tracked::acked);
        assertThat(metrics.stored).hasValue(BATCH - 1);
        assertThat(requested).hasValue(WINDOW + BATCH);
    }

    @Test
    void sendsABatchTheStoreFailedInAnUnforeseenWayToTheRetryRouteAndKeepsTheWindowOpen() {
        store.failWith(new IllegalStateException("an unforeseen failure"));
        List<Tracked> failed = deliver(BATCH);

        await().atMost(Duration.ofSeconds(10)).until(() -> failed.stream().allMatch(Tracked::settled));
        assertThat(failed).allSatisfy(message -> assertThat(message.nackedWith())
                .isInstanceOf(RecordBatcher.RecordRefusedException.class)
                .isNotInstanceOf(DeadLetterException.class)
                .hasMessageContaining("an unforeseen failure"));
        // The failed messages are settled, so the window refills: the next batch is taken and stored.
        assertThat(requested).hasValue(WINDOW + BATCH);
        assertThat(metrics.stored).hasValue(0);
        store.failWith(null);
        List<Tracked> next = deliver(BATCH);
        awaitBatchesSettled(1);
        assertThat(next).allMatch(Tracked::acked);
        assertThat(metrics.stored).hasValue(BATCH);
        assertThat(requested).hasValue(WINDOW + 2 * BATCH);
    }

    @Test
    void deadLettersAMessageThatIsNotARecordAtOnceWithoutWaitingForTheBatch() {
        for (String body : new String[] {"not json", "{\"id\":\"x\"}", ""}) {
            Tracked poison = new Tracked(null, body.getBytes(StandardCharsets.UTF_8));
            batcher.onNext(poison.message());

            assertThat(poison.settled()).isTrue();
            assertThat(poison.nackedWith()).isInstanceOf(DeadLetterException.class).hasMessageContaining("not a valid record");
        }
        assertThat(store.batches).isEmpty();
        assertThat(requested).hasValue(WINDOW + 3);
    }

    @Test
    void storesARecordDeliveredTwiceInOneBatchOnceAndAcknowledgesBothCopies() {
        RecordMessage record = record();
        Tracked first = new Tracked(record, CODEC.encode(record));
        Tracked redelivered = new Tracked(record, CODEC.encode(record));
        List<Tracked> others = new ArrayList<>();
        batcher.onNext(first.message());
        batcher.onNext(redelivered.message());
        for (int i = 0; i < BATCH - 2; i++) {
            RecordMessage other = record();
            others.add(new Tracked(other, CODEC.encode(other)));
            batcher.onNext(others.get(i).message());
        }

        awaitBatchesSettled(1);
        assertThat(first.acked()).isTrue();
        assertThat(redelivered.acked()).isTrue();
        assertThat(others).allMatch(Tracked::acked);
        assertThat(store.batches).hasSize(1);
        assertThat(store.batches.get(0)).hasSize(BATCH - 1).extracting(RecordMessage::id).doesNotHaveDuplicates();
        assertThat(metrics.stored).hasValue(BATCH - 1);
        assertThat(metrics.duplicates).hasValue(1);
    }

    @Test
    void storesTheOpenBatchAndSettlesEverythingWhenTheStreamCompletes() {
        List<Tracked> partial = deliver(BATCH - 1);
        assertThat(partial).noneMatch(Tracked::settled);

        batcher.onComplete();

        assertThat(partial).allMatch(Tracked::acked);
        assertThat(store.batches).hasSize(1);
        assertThat(metrics.stored).hasValue(BATCH - 1);
    }

    /** Waits until {@code count} batches were settled (reported last, after every ack and count). */
    private void awaitBatchesSettled(int count) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(metrics.batches).hasValue(count));
    }

    private List<Tracked> deliver(int count) {
        List<RecordMessage> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            records.add(record());
        }
        return deliver(records);
    }

    private List<Tracked> deliver(List<RecordMessage> records) {
        List<Tracked> delivered = new ArrayList<>();
        for (RecordMessage record : records) {
            Tracked tracked = new Tracked(record, CODEC.encode(record));
            delivered.add(tracked);
            batcher.onNext(tracked.message());
        }
        return delivered;
    }

    private static RecordMessage record() {
        try {
            return new RecordMessage(RecordIds.next(), "alice",
                    new BoundedJson(JsonLimits.PAYLOAD).parseObject("{\"n\":1}".getBytes(StandardCharsets.UTF_8)),
                    Instant.now().truncatedTo(ChronoUnit.MILLIS));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts what the batcher reports. */
    private static final class CountingMetrics implements BatchMetrics {
        private final AtomicLong batches = new AtomicLong();
        private final AtomicLong stored = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();

        @Override
        public void batch(int size, Duration took) {
            batches.incrementAndGet();
        }

        @Override
        public void stored(int count) {
            stored.addAndGet(count);
        }

        @Override
        public void duplicates(int count) {
            duplicates.addAndGet(count);
        }

        @Override
        public void lag(Duration lag) {
        }
    }

    /** A message that remembers how it was settled. */
    private static final class Tracked {
        private final RecordMessage record;
        private final Message<byte[]> message;
        private volatile boolean acked;
        private volatile Throwable nackedWith;

        Tracked(RecordMessage record, byte[] body) {
            this.record = record;
            this.message = Message.of(body,
                    () -> {
                        acked = true;
                        return CompletableFuture.completedFuture(null);
                    },
                    reason -> {
                        nackedWith = reason;
                        return CompletableFuture.completedFuture(null);
                    });
        }

        RecordMessage record() {
            return record;
        }

        Message<byte[]> message() {
            return message;
        }

        boolean acked() {
            return acked;
        }

        Throwable nackedWith() {
            return nackedWith;
        }

        boolean settled() {
            return acked || nackedWith != null;
        }
    }

    /** A store that keeps what it was given and answers as the test says. */
    private static final class ScriptedStore extends BatchWriter {
        private final List<List<RecordMessage>> batches = new CopyOnWriteArrayList<>();
        private final Map<UUID, String> refusals = new HashMap<>();
        private volatile RuntimeException failure;

        ScriptedStore() {
            super(null, null, null, quickRetries());
        }

        private static PersisterConfig quickRetries() {
            PersisterConfig config = new PersisterConfig();
            config.retryInitialDelayMs = 1;
            config.retryMaxDelayMs = 1;
            return config;
        }

        synchronized void refuse(UUID id, String reason) {
            refusals.put(id, reason);
        }

        void failWith(RuntimeException next) {
            failure = next;
        }

        @Override
        public synchronized Result store(List<RecordMessage> records) {
            if (failure != null) {
                throw failure;
            }
            batches.add(List.copyOf(records));
            Map<UUID, String> refused = new HashMap<>();
            records.forEach(r -> {
                if (refusals.containsKey(r.id())) {
                    refused.put(r.id(), refusals.get(r.id()));
                }
            });
            return new Result(records.size() - refused.size(), refused);
        }
    }
}
