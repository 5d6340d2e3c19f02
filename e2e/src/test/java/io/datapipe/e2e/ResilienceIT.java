package io.datapipe.e2e;

import java.nio.file.Files;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

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
    void theBrokerClosingEveryConnectionMidStreamLosesNothingThatWasAccepted() throws Exception {
        assumeThat(BROKER.canCloseConnections()).as("rabbitmqctl reachable").isTrue();
        pipeline.persister();
        ServiceProcess generator = pipeline.generator();
        int records = 1_500;

        try (RecordPosts posts = RecordPosts.start(List.of(generator), TOKENS.token("alice", "data.write"), records, 8, 10_000, DEADLINE)) {
            closeBothConnectionsOnceAccepted(posts, 300);
            closeBothConnectionsOnceAccepted(posts, 900);
            pipeline.assertExactly(Set.copyOf(posts.awaitAll().values()), DEADLINE);
        }
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
        // Nothing the first process stored came back to the second: no redelivery storm after a rolling update.
        assertThat(restarted.metric("datapipe_persister_records_duplicate_total", "").orElse(-1)).isZero();
    }

    /**
     * Once this many records are accepted and both services are connected (again), the broker closes the
     * generator's and the persister's connections.
     */
    private void closeBothConnectionsOnceAccepted(RecordPosts posts, int count) {
        String services = topology.exchange() + "-";
        posts.awaitAccepted(count);
        await().atMost(DEADLINE).until(() -> BROKER.connectionCount(services) >= 2);
        assertThat(BROKER.closeConnections(services)).as("connections closed after %d accepted", count)
                .isGreaterThanOrEqualTo(2);
    }
}
