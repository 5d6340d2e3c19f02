package io.datapipe.e2e;

import java.util.HashMap;
import java.util.Map;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

/**
 * The three services as processes, wired to a topology and a database of their own and to the test
 * tokens' key, ready; closing it stops them and removes the topology and the database.
 *
 * @param overrides settings per service name (generator, persister, web) on top of the wiring
 */
record TestStack(TestTopology topology, TestDatabase database, ServiceProcess generator, ServiceProcess persister,
                 ServiceProcess web) implements AutoCloseable {

    static TestStack start(String purpose, Map<String, Map<String, String>> overrides) throws Exception {
        TestRabbitMq broker = TestRabbitMq.get();
        TestTokens tokens = TestTokens.get();
        TestTopology topology = broker.topology(purpose);
        TestDatabase database = TestPostgres.get().createDatabase(purpose);
        Map<String, String> persisterConfig = new HashMap<>(TestConfig.messaging(broker, topology));
        persisterConfig.putAll(database.serviceConfig());
        persisterConfig.putAll(tokens.serviceConfig());
        persisterConfig.putAll(overrides.getOrDefault("persister", Map.of()));
        Map<String, String> generatorConfig = new HashMap<>(TestConfig.messaging(broker, topology));
        generatorConfig.putAll(tokens.serviceConfig());
        generatorConfig.putAll(overrides.getOrDefault("generator", Map.of()));
        Map<String, String> webConfig = new HashMap<>(database.serviceConfig());
        webConfig.putAll(tokens.serviceConfig());
        webConfig.putAll(overrides.getOrDefault("web", Map.of()));
        ServiceProcess persister = ServiceProcess.start("persister", persisterConfig);
        ServiceProcess generator = ServiceProcess.start("generator", generatorConfig);
        ServiceProcess web = ServiceProcess.start("web", webConfig);
        TestStack stack = new TestStack(topology, database, generator, persister, web);
        try {
            // The persister migrates the schema; web reports ready once the database answers.
            persister.awaitReady();
            generator.awaitReady();
            web.awaitReady();
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    @Override
    public void close() {
        for (AutoCloseable part : new AutoCloseable[] {generator, persister, web, topology, database}) {
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("stopping " + part + ": " + e);
            }
        }
    }
}
