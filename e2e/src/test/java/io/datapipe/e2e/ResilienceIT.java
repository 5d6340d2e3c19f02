package io.datapipe.e2e;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults injected while thousands of records flow, each test ending with the exact rows expected: every
 * record published (or accepted) is stored, none twice, none left in a queue.
 */
class ResilienceIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private TestTopology topology;
    private TestDatabase database;
    private Pipeline pipeline;

    @BeforeEach
    void setUp() {
        pipeline = new Pipeline(BROKER, TestPostgres.get(), "resilience");
        topology = pipeline.topology();
        database = pipeline.database();
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
    }

    @Test
    void aPersisterKilledMidStreamLosesAndDuplicatesNothing() throws Exception {
        ServiceProcess persister = pipeline.persister();
        RecordStream stream = RecordStream.start(BROKER, topology, 5_000, 2_500);
        await().atMost(DEADLINE).until(() -> stream.healthy() && pipeline.rows() >= 1_000);

        persister.kill();
        long storedAtKill = pipeline.rows();
        assertThat(storedAtKill).as("killed mid-stream").isLessThan(5_000);
        pipeline.persister();

        Set<UUID> published = stream.awaitPublished();
        pipeline.assertExactly(published, DEADLINE);
    }

    @Test
    void aPersisterKilledWhileBatchesFlowThroughTheGeneratorLosesAndDuplicatesNothing() throws Exception {
        Pipeline.PersisterAndGenerator services = pipeline.persisterAndGenerator();
        ServiceProcess persister = services.persister();
        ServiceProcess generator = services.generator();
        Map<String, List<UUID>> accepted = new ConcurrentHashMap<>();

        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            List<Future<?>> posts = post(clients, generator, 100, 50, accepted);
            await().atMost(DEADLINE).until(() -> failFast(posts) && pipeline.rows() >= 1_000);
            persister.kill();
            assertThat(pipeline.rows()).as("killed mid-stream").isLessThan(5_000);
            pipeline.persister();
            for (Future<?> post : posts) {
                post.get();
            }
        }

        pipeline.assertExactly(ids(accepted, 5_000), DEADLINE);
    }

    @Test
    void theBrokerClosingEveryConnectionMidStreamLosesNothingThatWasAccepted() throws Exception {
        assertClosingConnectionsLosesNothing(1_500, 1);
    }

    @Test
    void theBrokerClosingEveryConnectionMidBatchLosesNothingThatWasAcceptedAndStoresNothingTwice() throws Exception {
        // A batch cut by the close is a 503 with part of it on the broker; its retry publishes the same ids.
        assertClosingConnectionsLosesNothing(60, 25);
    }

    private void assertClosingConnectionsLosesNothing(int requests, int recordsEach) throws Exception {
        assumeThat(BROKER.canCloseConnections()).as("rabbitmqctl reachable").isTrue();
        ServiceProcess generator = pipeline.persisterAndGenerator().generator();
        Map<String, List<UUID>> accepted = new ConcurrentHashMap<>();

        try (ExecutorService clients = Executors.newFixedThreadPool(8)) {
            List<Future<?>> posts = post(clients, generator, requests, recordsEach, accepted);
            closeBothConnectionsOnceAccepted(posts, accepted, requests / 5);
            closeBothConnectionsOnceAccepted(posts, accepted, requests * 3 / 5);
            for (Future<?> post : posts) {
                post.get();
            }
        }

        pipeline.assertExactly(ids(accepted, requests * recordsEach), DEADLINE);
    }

    /**
     * Posts {@code requests} requests in the background, each until accepted: single records to {@code POST /data}
     * when {@code recordsEach} is 1, else batches of that many to {@code POST /data/batch}.
     */
    private static List<Future<?>> post(ExecutorService clients, ServiceProcess generator, int requests, int recordsEach,
                                        Map<String, List<UUID>> accepted) {
        String token = TOKENS.token("alice", "data.write");
        HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        List<Future<?>> posts = new java.util.ArrayList<>();
        for (int i = 0; i < requests; i++) {
            String key = "request-" + i;
            posts.add(clients.submit(() -> accepted.put(key, postUntilAccepted(http, generator, token, key, recordsEach))));
        }
        return posts;
    }

    /** Every id accepted, checked to be as many as the records posted, none twice. */
    private static Set<UUID> ids(Map<String, List<UUID>> accepted, int records) {
        List<UUID> all = accepted.values().stream().flatMap(List::stream).toList();
        assertThat(all).as("ids accepted").hasSize(records).doesNotHaveDuplicates();
        return Set.copyOf(all);
    }

    @Test
    void aDatabaseRefusingConnectionsForAWhileLosesNothing() throws Exception {
        ServiceProcess persister = pipeline.persister();
        RecordStream stream = RecordStream.start(BROKER, topology, 4_000, 1_000);
        await().atMost(DEADLINE).until(() -> stream.healthy() && pipeline.rows() >= 500);

        try (Connection admin = TestPostgres.get().adminConnection(); Statement statement = admin.createStatement()) {
            statement.execute("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS false");
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database.name()
                                      + "' AND pid <> pg_backend_pid()");
            // The persister notices: it is not ready, and it holds its messages rather than acknowledging them.
            await().atMost(Duration.ofSeconds(30)).until(() -> persister.statusOf("/health/ready") == 503);
            await().atMost(Duration.ofSeconds(30)).until(() -> persister.metric("datapipe_persister_db_retries_total", "").orElse(-1) >= 1);
            assertThat(BROKER.messageCount(topology.deadLetterQueue())).isZero();
            statement.execute("ALTER DATABASE " + database.name() + " ALLOW_CONNECTIONS true");
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> persister.statusOf("/health/ready") == 200);
        pipeline.assertExactly(stream.awaitPublished(), DEADLINE);
    }

    @Test
    void sigtermMidStreamStoresTheBatchInFlightAndRedeliversNothingStored() throws Exception {
        ServiceProcess persister = pipeline.persister();
        RecordStream stream = RecordStream.start(BROKER, topology, 5_000, 2_500);
        await().atMost(DEADLINE).until(() -> stream.healthy() && pipeline.rows() >= 1_000);

        assertThat(persister.terminate()).as("exit status after SIGTERM").isIn(0, 143);
        assertThat(Files.readString(persister.log())).contains("every batch in flight is stored and acknowledged");

        ServiceProcess restarted = pipeline.persister();
        pipeline.assertExactly(stream.awaitPublished(), DEADLINE);
        // No redelivery storm after a rolling update: of what the first process stored, at most its last batch
        // comes back to the second. Not always none: a quorum queue can drop acknowledgements that reach it just
        // before the consumer's channel closes (rabbitmq-server#10327, docs/observability.md); seen here once, 77,
        // in four runs of a day with the test classes two at a time.
        assertThat(restarted.metric("datapipe_persister_records_duplicate_total", "").orElse(-1))
                .as("records the restarted persister found stored already").isBetween(0.0, (double) Pipeline.BATCH_SIZE);
    }

    /**
     * Once this many records are accepted and both services are connected (again), the broker closes the
     * generator's and the persister's connections.
     */
    private void closeBothConnectionsOnceAccepted(List<Future<?>> posts, Map<String, List<UUID>> accepted, int count) {
        String services = topology.exchange() + "-";
        await().atMost(DEADLINE).until(() -> failFast(posts) && accepted.size() >= count
                && BROKER.connectionCount(services) >= 2);
        assertThat(BROKER.closeConnections(services)).as("connections closed after %d accepted", count)
                .isGreaterThanOrEqualTo(2);
    }

    /** Surfaces at once a client that failed, instead of waiting for a count it will never reach. */
    private static boolean failFast(List<Future<?>> posts) throws Exception {
        for (Future<?> post : posts) {
            if (post.isDone()) {
                post.get();
            }
        }
        return true;
    }

    /**
     * POSTs one record (or a batch of {@code records}), retrying with the same Idempotency-Key until it is
     * accepted; returns the ids.
     */
    private static List<UUID> postUntilAccepted(HttpClient http, ServiceProcess generator, String token, String key, int records) {
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < records; i++) {
            batch.append(i == 0 ? "" : ",").append("{\"key\":\"").append(key).append("\",\"n\":").append(i).append('}');
        }
        HttpRequest request = HttpRequest.newBuilder(generator.uri(records == 1 ? "/data" : "/data/batch"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(records == 1 ? "{\"key\":\"" + key + "\"}" : batch.append(']').toString()))
                .timeout(Duration.ofSeconds(20))
                .build();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202) {
                    com.fasterxml.jackson.databind.JsonNode body = new ObjectMapper().readTree(response.body());
                    List<UUID> ids = new java.util.ArrayList<>();
                    (records == 1 ? List.of(body.get("id")) : body.get("ids")).forEach(id -> ids.add(UUID.fromString(id.asText())));
                    return ids;
                }
                // 503 while the broker is away (or 429 over a limit): try again, as a client should.
                assertThat(response.statusCode()).as(response.body()).isIn(429, 503);
                long retryAfter = response.headers().firstValueAsLong("Retry-After").orElse(1);
                Thread.sleep(Math.min(retryAfter, 1) * 200);
            } catch (IOException e) {
                // connection reset while the generator reconnects: try again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("record " + key + " was never accepted");
    }
}
