package io.datapipe.e2e;

import java.time.Duration;

import io.datapipe.testsupport.PostgresServer;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The database server itself going away mid-stream, on a PostgreSQL server of the test's own (never the
 * shared one): a restart, and a crash with the address unanswered for a while before the server is back,
 * which is what a Multi-AZ RDS failover looks like to the persister (every connection reset, new ones
 * refused until the DNS name points at the promoted standby; docs/runbooks.md). The persister's pool
 * recovers by itself, holds its messages meanwhile, and ends with exactly the records published.
 */
class DatabaseRestartIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    private static PostgresServer server;

    private TestTopology topology;
    private Pipeline pipeline;

    @BeforeAll
    static void startServer() {
        PostgresServer.unavailableBecause().ifPresent(reason -> {
            throw new IllegalStateException("the database restart tests need a local PostgreSQL installation: " + reason);
        });
        server = PostgresServer.start("restart");
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void setUp() {
        pipeline = new Pipeline(BROKER, server.postgres(), "restart");
        topology = pipeline.topology();
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
    }

    @Test
    void aDatabaseRestartMidStreamLosesAndDuplicatesNothing() throws Exception {
        ServiceProcess persister = pipeline.persister();
        RecordStream stream = RecordStream.start(BROKER, topology, 5_000, 1_000);
        await().atMost(DEADLINE).until(() -> stream.healthy() && pipeline.rows() >= 1_000);

        server.restart("fast");

        pipeline.assertExactly(stream.awaitPublished(), DEADLINE);
        assertThat(persister.statusOf("/health/ready")).as("ready after the restart").isEqualTo(200);
    }

    @Test
    void aCrashWithTheAddressDeadForAWhileLosesAndDuplicatesNothing() throws Exception {
        ServiceProcess persister = pipeline.persister();
        RecordStream stream = RecordStream.start(BROKER, topology, 5_000, 1_000);
        await().atMost(DEADLINE).until(() -> stream.healthy() && pipeline.rows() >= 1_000);

        // Every server process killed, no goodbye to the clients: the failed primary of a failover.
        server.stop("immediate");
        // While nothing answers, the persister is not ready and holds its messages; nothing is dead-lettered.
        await().atMost(Duration.ofSeconds(60)).until(() -> persister.statusOf("/health/ready") == 503);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> persister.metric("datapipe_persister_db_retries_total", "").orElse(-1) >= 1);
        assertThat(BROKER.messageCount(topology.deadLetterQueue())).isZero();
        // The same address answers again, with everything committed before the crash (the promoted standby).
        server.start();

        await().atMost(DEADLINE).until(() -> persister.statusOf("/health/ready") == 200);
        pipeline.assertExactly(stream.awaitPublished(), DEADLINE);
    }
}
