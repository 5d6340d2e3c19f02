package io.datapipe.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.datapipe.testsupport.RabbitMqCluster;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The pipeline on a three-node RabbitMQ cluster, as production runs it: the quorum queue has a replica on
 * every node, the services know every node's address. Losing the node that leads the queue (SIGKILL), and
 * restarting the whole cluster, lose no accepted record and store none twice: {@code 202} means a quorum
 * of nodes had the record, and a client retries a refusal with its {@code Idempotency-Key}.
 *
 * <p>One cluster for the class (its nodes are this machine's {@code rabbitmq-server}, see
 * {@link RabbitMqCluster}); each test has its own topology and database.
 */
class BrokerClusterIT {

    private static final Duration DEADLINE = Duration.ofSeconds(180);
    /** More than any test posts at this rate: each stops posting once its fault is over and 300 more are accepted. */
    private static final int RECORDS = 60_000;

    private static RabbitMqCluster cluster;
    private static TestRabbitMq broker;

    private TestTopology topology;
    private Pipeline pipeline;

    @BeforeAll
    static void startCluster() {
        RabbitMqCluster.unavailableBecause().ifPresent(reason -> {
            throw new IllegalStateException("the broker cluster tests need local RabbitMQ nodes: " + reason);
        });
        cluster = RabbitMqCluster.start("cluster", 3);
        broker = cluster.broker();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void setUp() {
        pipeline = new Pipeline(broker, TestPostgres.get(), "cluster");
        topology = pipeline.topology();
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
    }

    @Test
    void killingTheQueueLeaderMidStreamLosesNothingAccepted() throws Exception {
        ServiceProcess generator = pipeline.persisterAndGenerator().generator();
        assertThat(cluster.queueMembers(topology.queue())).as("the quorum queue's replicas")
                .isEqualTo(cluster.nodes().stream().map(RabbitMqCluster.Node::name).sorted().toList());

        try (RecordPosts posts = RecordPosts.start(List.of(generator), TestTokens.get().token("alice", "data.write"),
                                                   RECORDS, 8, 150, DEADLINE)) {
            posts.awaitAccepted(300);
            RabbitMqCluster.Node leader = cluster.queueLeader(topology.queue());
            cluster.kill(leader);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !cluster.queueLeader(topology.queue()).equals(leader));

            // The two nodes left are a quorum: records keep being accepted while the leader's node is down.
            posts.awaitAccepted(posts.accepted() + 300);
            cluster.start(leader);
            posts.awaitAccepted(posts.accepted() + 300);
            posts.stop();

            Set<UUID> accepted = Set.copyOf(posts.awaitAll().values());
            pipeline.assertExactly(accepted, DEADLINE);
        }
        assertThat(cluster.queueMembers(topology.queue())).as("replicas after the node came back").hasSize(3);
    }

    @Test
    void restartingTheWholeClusterMidStreamLosesNothingAccepted() throws Exception {
        Pipeline.PersisterAndGenerator services = pipeline.persisterAndGenerator();
        ServiceProcess persister = services.persister();
        ServiceProcess generator = services.generator();

        try (RecordPosts posts = RecordPosts.start(List.of(generator), TestTokens.get().token("alice", "data.write"),
                                                   RECORDS, 8, 150, DEADLINE)) {
            posts.awaitAccepted(300);
            cluster.restartAll();
            posts.awaitAccepted(posts.accepted() + 300);
            posts.stop();

            Set<UUID> accepted = Set.copyOf(posts.awaitAll().values());
            assertThat(posts.refusals()).as("503s while no node ran").isPositive();
            pipeline.assertExactly(accepted, DEADLINE);
        }
        // Both reconnected by themselves.
        await().atMost(Duration.ofSeconds(60)).until(() -> generator.statusOf("/health/ready") == 200
                && persister.statusOf("/health/ready") == 200);
    }
}
