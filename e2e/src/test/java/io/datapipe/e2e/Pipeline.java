package io.datapipe.e2e;

import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Generators and persisters as processes on one broker topology and one database, for the fault tests, and
 * the check they all end with: the table holds exactly the expected ids, the queue is drained, nothing is
 * dead-lettered. It makes its own topology and database; closing it kills what is still running and removes
 * them.
 */
final class Pipeline implements AutoCloseable {

    /** The persisters' batch size here. */
    static final int BATCH_SIZE = 200;

    private final TestRabbitMq broker;
    private final TestTopology topology;
    private final TestDatabase database;
    private final List<ServiceProcess> services = new CopyOnWriteArrayList<>();

    /**
     * @param broker   where the topology is declared
     * @param postgres where the database is created
     * @param purpose  what the test is about, in their names
     */
    Pipeline(TestRabbitMq broker, TestPostgres postgres, String purpose) {
        this.broker = broker;
        this.topology = broker.topology(purpose);
        this.database = postgres.createDatabase(purpose);
    }

    TestTopology topology() {
        return topology;
    }

    TestDatabase database() {
        return database;
    }

    /** Starts a persister (batches of {@link #BATCH_SIZE}) and waits until it is ready. */
    ServiceProcess persister() throws IOException {
        return ready(startPersister(Map.of()));
    }

    /**
     * Starts a persister without waiting.
     *
     * @param extra settings beside the broker, database and token ones
     */
    ServiceProcess startPersister(Map<String, String> extra) throws IOException {
        Map<String, String> config = new HashMap<>(TestConfig.messaging(broker, topology));
        config.putAll(database.serviceConfig());
        config.putAll(TestTokens.get().serviceConfig());
        config.put("mp.messaging.incoming.records.connection-name", topology.exchange() + "-persister");
        config.put("datapipe.persister.batch-size", Integer.toString(BATCH_SIZE));
        config.putAll(extra);
        return started(ServiceProcess.start("persister", config));
    }

    /** Starts a generator (no rate limit, 2 s confirm timeout) and waits until it is ready. */
    ServiceProcess generator() throws IOException {
        return ready(startGenerator(Map.of()));
    }

    /**
     * Starts a generator without waiting.
     *
     * @param extra settings beside the broker and token ones
     */
    ServiceProcess startGenerator(Map<String, String> extra) throws IOException {
        Map<String, String> config = new HashMap<>(TestConfig.messaging(broker, topology));
        config.putAll(TestTokens.get().serviceConfig());
        config.put("mp.messaging.outgoing.records.connection-name", topology.exchange() + "-generator");
        config.put("datapipe.publish.confirm-timeout-ms", "2000");
        // A few callers post thousands of records as fast as they can: these tests are about faults, not limits.
        config.put("datapipe.ratelimit.enabled", "false");
        config.putAll(extra);
        return started(ServiceProcess.start("generator", config));
    }

    /** A persister and a generator, started side by side and ready. */
    record PersisterAndGenerator(ServiceProcess persister, ServiceProcess generator) {
    }

    /** Starts a persister and a generator at once and waits until both are ready. */
    PersisterAndGenerator persisterAndGenerator() throws IOException {
        ServiceProcess persister = startPersister(Map.of());
        ServiceProcess generator = startGenerator(Map.of());
        persister.awaitReady();
        generator.awaitReady();
        return new PersisterAndGenerator(persister, generator);
    }

    private ServiceProcess started(ServiceProcess service) {
        services.add(service);
        return service;
    }

    private static ServiceProcess ready(ServiceProcess service) {
        service.awaitReady();
        return service;
    }

    /**
     * Waits until the queue is drained and the table holds at least as many rows, then checks that it holds
     * exactly these ids and that nothing was dead-lettered.
     *
     * @param expected the ids
     * @param deadline how long the persisters may take to catch up
     */
    void assertExactly(Set<UUID> expected, Duration deadline) throws Exception {
        await().atMost(deadline).pollInterval(Duration.ofMillis(250))
                .until(() -> rows() >= expected.size() && broker.messageCount(topology.queue()) == 0);
        List<UUID> stored = storedIds();
        assertThat(stored.size()).as("rows").isEqualTo(expected.size());
        assertThat(Set.copyOf(stored)).as("stored ids").isEqualTo(expected);
        assertThat(broker.messageCount(topology.deadLetterQueue())).as("dead-lettered").isZero();
    }

    /** @return the ids in the table now, one per row */
    List<UUID> storedIds() throws Exception {
        List<UUID> stored = new ArrayList<>();
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT id FROM data_record")) {
            while (result.next()) {
                stored.add(result.getObject(1, UUID.class));
            }
        }
        return stored;
    }

    /** @return the rows in the table now */
    long rows() throws Exception {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM data_record")) {
            result.next();
            return result.getLong(1);
        }
    }

    @Override
    public void close() {
        for (ServiceProcess service : services) {
            if (service.isAlive()) {
                service.close();
            }
        }
        topology.close();
        database.close();
    }
}
