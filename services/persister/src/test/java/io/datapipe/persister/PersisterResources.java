package io.datapipe.persister;

import java.util.HashMap;
import java.util.Map;

import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

/**
 * What an in-process persister under test runs against: a topology on the test broker and a database of
 * its own, registered as its configuration with the test's keys and its own settings. Closing releases the
 * configuration and removes both.
 *
 * @param topology the test's queues and exchanges
 * @param database the test's database
 */
record PersisterResources(TestTopology topology, TestDatabase database) implements AutoCloseable {

    /**
     * Creates the topology and the database and registers the configuration.
     *
     * @param broker   the test broker
     * @param purpose  what they are for, in their names
     * @param settings the test's own settings, over the rest
     * @return the resources
     */
    static PersisterResources register(TestRabbitMq broker, String purpose, Map<String, String> settings) {
        TestTopology topology = broker.topology(purpose);
        TestDatabase database = TestPostgres.get().createDatabase(purpose);
        Map<String, String> config = new HashMap<>(TestConfig.messaging(broker, topology));
        config.putAll(database.serviceConfig());
        config.putAll(TestTokens.get().serviceConfig());
        config.putAll(settings);
        TestConfig.register(config);
        return new PersisterResources(topology, database);
    }

    @Override
    public void close() {
        TestConfig.release();
        topology.close();
        database.close();
    }
}
