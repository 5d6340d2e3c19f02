package io.datapipe.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import org.testcontainers.containers.Container;
import org.testcontainers.containers.RabbitMQContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The RabbitMQ broker tests use: a Testcontainers broker when Docker is available, otherwise the one
 * named by {@code DATAPIPE_TEST_RABBITMQ_HOST}, {@code _PORT}, {@code _USERNAME}, {@code _PASSWORD}
 * and {@code _VHOST} (default: guest on 127.0.0.1:5672, vhost /).
 *
 * <p>It also plays the operator: it can close connections from the broker's side (as
 * {@code rabbitmqctl close_connection} does), which is how tests inject a broker-side failure
 * without disturbing anyone else's connections.
 *
 * <p>A {@link RabbitMqCluster} is one too ({@link RabbitMqCluster#broker()}): then connections go over
 * the cluster's address list, and {@code rabbitmqctl} to one of its running nodes.
 */
public final class TestRabbitMq {

    private static final String IMAGE = "rabbitmq:3.13.7-management-alpine";
    private static final Path LOCAL_RABBITMQCTL = Path.of("/usr/sbin/rabbitmqctl");
    private static TestRabbitMq instance;

    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final String virtualHost;
    private final RabbitMQContainer container;
    private final List<Address> addresses;
    /** Runs {@code rabbitmqctl} with these arguments on a cluster's node; {@code null} for a single broker. */
    private final Function<String[], String> clusterCtl;

    private TestRabbitMq(String host, int port, String username, String password, String virtualHost,
                         RabbitMQContainer container) {
        this(List.of(new Address(host, port)), username, password, virtualHost, container, null);
    }

    private TestRabbitMq(List<Address> addresses, String username, String password, String virtualHost,
                         RabbitMQContainer container, Function<String[], String> clusterCtl) {
        this.host = addresses.get(0).getHost();
        this.port = addresses.get(0).getPort();
        this.addresses = List.copyOf(addresses);
        this.username = username;
        this.password = password;
        this.virtualHost = virtualHost;
        this.container = container;
        this.clusterCtl = clusterCtl;
    }

    /** The broker a cluster of local nodes is, as guest over its address list. */
    static TestRabbitMq ofCluster(List<Address> addresses, Function<String[], String> rabbitmqctl) {
        return new TestRabbitMq(addresses, "guest", "guest", "/", null, rabbitmqctl);
    }

    /**
     * The broker for this JVM, started on first use when it is a container.
     *
     * @return the broker
     */
    public static synchronized TestRabbitMq get() {
        if (instance == null) {
            if (TestSettings.useContainers()) {
                RabbitMQContainer container = new RabbitMQContainer(DockerImageName.parse(IMAGE));
                container.start();
                instance = new TestRabbitMq(container.getHost(), container.getAmqpPort(),
                                            container.getAdminUsername(), container.getAdminPassword(), "/",
                                            container);
            } else {
                instance = new TestRabbitMq(TestSettings.get("DATAPIPE_TEST_RABBITMQ_HOST", "127.0.0.1"),
                                            TestSettings.getInt("DATAPIPE_TEST_RABBITMQ_PORT", 5672),
                                            TestSettings.get("DATAPIPE_TEST_RABBITMQ_USERNAME", "guest"),
                                            TestSettings.get("DATAPIPE_TEST_RABBITMQ_PASSWORD", "guest"),
                                            TestSettings.get("DATAPIPE_TEST_RABBITMQ_VHOST", "/"),
                                            null);
            }
            instance.checkReachable();
        }
        return instance;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    public String virtualHost() {
        return virtualHost;
    }

    /** @return every node, {@code host:port,host:port} (one for a single broker), as the connector's {@code addresses} */
    public String addresses() {
        return addresses.stream().map(a -> a.getHost() + ":" + a.getPort()).collect(Collectors.joining(","));
    }

    /**
     * Settings for a service or connector under test, as MicroProfile Config keys under a prefix.
     *
     * @param prefix for example {@code mp.messaging.connector.datapipe-rabbitmq.}
     * @return host, port, username, password and virtual-host under that prefix
     */
    public Map<String, String> connectionConfig(String prefix) {
        return Map.of(prefix + "host", host,
                      prefix + "port", Integer.toString(port),
                      prefix + "username", username,
                      prefix + "password", password,
                      prefix + "virtual-host", virtualHost);
    }

    /**
     * A connection factory for the test's own admin and probe connections.
     *
     * @return a new factory
     */
    public ConnectionFactory connectionFactory() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host);
        factory.setPort(port);
        factory.setUsername(username);
        factory.setPassword(password);
        factory.setVirtualHost(virtualHost);
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    /**
     * Opens an admin connection; the caller closes it.
     *
     * @param name the connection name shown by the broker
     * @return an open connection
     */
    public Connection connect(String name) {
        try {
            return connectionFactory().newConnection(addresses, name);
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot connect to RabbitMQ at " + addresses(), e);
        }
    }

    /**
     * One test's private copy of the topology (k8s/base/rabbitmq under unique names), declared.
     *
     * @param purpose what the test is about, used in the names
     * @return the names, declared; close them to delete them
     */
    public TestTopology topology(String purpose) {
        return TestTopology.create(purpose, this);
    }

    /**
     * Number of ready messages in a queue.
     *
     * @param queue queue name
     * @return messages ready for delivery
     */
    public long messageCount(String queue) {
        try (Connection connection = connect("test-admin"); Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(queue).getMessageCount();
        } catch (IOException | TimeoutException e) {
            throw new IllegalStateException("cannot inspect queue " + queue, e);
        }
    }

    /**
     * Whether a queue exists.
     *
     * @param queue queue name
     * @return {@code true} when the broker knows it
     */
    public boolean queueExists(String queue) {
        try (Connection connection = connect("test-admin"); Channel channel = connection.createChannel()) {
            channel.queueDeclarePassive(queue);
            return true;
        } catch (IOException e) {
            return false;
        } catch (TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Whether this broker can be operated on from here (its {@code rabbitmqctl} is reachable).
     *
     * @return {@code true} for a container or a broker on this machine
     */
    public boolean canCloseConnections() {
        return container != null || clusterCtl != null || (isLocal() && Files.isExecutable(LOCAL_RABBITMQCTL));
    }

    /**
     * Closes, from the broker's side, every client connection whose name contains a fragment: to the
     * client this is the same event as an operator's {@code rabbitmqctl close_all_connections}.
     *
     * @param nameFragment part of the connection name (the AMQP {@code connection_name} property)
     * @return how many connections were closed
     */
    public int closeConnections(String nameFragment) {
        List<String> pids = connectionPids(nameFragment);
        for (String pid : pids) {
            rabbitmqctl("close_connection", pid, "closed by test");
        }
        return pids.size();
    }

    /**
     * How many client connections whose name contains a fragment the broker has open right now.
     *
     * @param nameFragment part of the connection name (the AMQP {@code connection_name} property)
     * @return the number of such connections
     */
    public int connectionCount(String nameFragment) {
        return connectionPids(nameFragment).size();
    }

    private List<String> connectionPids(String nameFragment) {
        List<String> pids = new ArrayList<>();
        for (String line : rabbitmqctl("list_connections", "-q", "--no-table-headers", "pid", "client_properties")
                .split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0 && line.contains("\"connection_name\",\"") && line.contains(nameFragment)) {
                pids.add(line.substring(0, tab).trim());
            }
        }
        return pids;
    }

    private boolean isLocal() {
        return "127.0.0.1".equals(host) || "localhost".equals(host) || "::1".equals(host);
    }

    private String rabbitmqctl(String... args) {
        List<String> command = new ArrayList<>();
        command.add("rabbitmqctl");
        command.addAll(List.of(args));
        if (clusterCtl != null) {
            return clusterCtl.apply(args);
        }
        try {
            if (container != null) {
                Container.ExecResult result = container.execInContainer(command.toArray(String[]::new));
                if (result.getExitCode() != 0) {
                    throw new IllegalStateException("rabbitmqctl failed: " + result.getStderr());
                }
                return result.getStdout();
            }
            command.set(0, LOCAL_RABBITMQCTL.toString());
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("rabbitmqctl " + String.join(" ", args) + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run rabbitmqctl", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running rabbitmqctl", e);
        }
    }

    private void checkReachable() {
        try (Connection ignored = connect("test-probe")) {
            // reachable
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("RabbitMQ is not reachable at " + host + ":" + port
                                                    + " (set DATAPIPE_TEST_RABBITMQ_HOST/PORT/USERNAME/PASSWORD, or start it: "
                                                    + "rabbitmq-server -detached)", e);
        }
    }
}
