package io.datapipe.testsupport;

import java.util.HashMap;
import java.util.Map;

import io.helidon.config.mp.MpConfigSources;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;

/**
 * Configuration for an in-process service under test ({@code @HelidonTest} with
 * {@code @Configuration(useExisting = true)}): the service's own files and environment, overridden by
 * the test's values (a random port, the test's database, topology and keys).
 */
public final class TestConfig {

    private TestConfig() {
    }

    /**
     * Registers the configuration the service under test will see. Call it from {@code @BeforeAll},
     * and {@link #release()} from {@code @AfterAll}.
     *
     * @param overrides the test's values
     */
    public static void register(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put("server.port", "0");
        values.put("mp.initializer.allow", "true");
        values.put("mp.initializer.no-warn", "true");
        values.putAll(overrides);
        values.put("config_ordinal", "1000");
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        release();
        Config config = resolver.getBuilder()
                .addDefaultSources()
                .addDiscoveredSources()
                .addDiscoveredConverters()
                .withSources(MpConfigSources.create(values))
                .build();
        resolver.registerConfig(config, loader);
    }

    /**
     * Registers the configuration of a service that uses the test broker: a topology of the test's own on
     * {@link TestRabbitMq#get()}, the test tokens' verification settings, then the test's own values. Call it
     * from {@code @BeforeAll}, and {@link #release(TestTopology)} from {@code @AfterAll}.
     *
     * @param topologyName the topology's name
     * @param overrides    the test's own values, over the others
     * @return the topology
     */
    public static TestTopology registerWithBroker(String topologyName, Map<String, String> overrides) {
        TestRabbitMq broker = TestRabbitMq.get();
        TestTopology topology = broker.topology(topologyName);
        Map<String, String> values = new HashMap<>(messaging(broker, topology));
        values.putAll(TestTokens.get().serviceConfig());
        values.putAll(overrides);
        register(values);
        return topology;
    }

    /**
     * Forgets the registered configuration and deletes the test's topology.
     *
     * @param topology the topology of {@link #registerWithBroker}
     */
    public static void release(TestTopology topology) {
        release();
        topology.close();
    }

    /** Forgets the registered configuration. */
    public static void release() {
        ConfigProviderResolver resolver = ConfigProviderResolver.instance();
        try {
            resolver.releaseConfig(resolver.getConfig(Thread.currentThread().getContextClassLoader()));
        } catch (RuntimeException e) {
            // nothing registered
        }
    }

    /**
     * The connector and channel settings that point a service's channel at a test topology.
     *
     * @param broker   the test broker
     * @param topology the test's names
     * @return {@code datapipe.*} keys the services map onto their channels
     */
    public static Map<String, String> messaging(TestRabbitMq broker, TestTopology topology) {
        Map<String, String> values = new HashMap<>();
        values.put("datapipe.rabbitmq.host", broker.host());
        values.put("datapipe.rabbitmq.port", Integer.toString(broker.port()));
        if (broker.addresses().contains(",")) {
            // A cluster. One node is left to the default, ${host}:${port}, so that a test overriding the
            // port (no broker at all) overrides where the connection goes.
            values.put("datapipe.rabbitmq.addresses", broker.addresses());
        }
        values.put("datapipe.rabbitmq.username", broker.username());
        values.put("datapipe.rabbitmq.password", broker.password());
        values.put("datapipe.rabbitmq.virtual-host", broker.virtualHost());
        values.put("datapipe.exchange", topology.exchange());
        values.put("datapipe.routing-key", topology.routingKey());
        values.put("datapipe.queue", topology.queue());
        values.put("datapipe.dead-letter-exchange", topology.deadLetterExchange());
        values.put("datapipe.dead-letter-queue", topology.deadLetterQueue());
        values.put("datapipe.retry-delays-ms", topology.retryDelaysSetting());
        return values;
    }
}
