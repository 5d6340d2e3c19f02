package io.datapipe.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.datapipe.topology.AmqpTopology;
import io.datapipe.topology.TopologyDefinition;

/**
 * A RabbitMQ node of a test's own, from the installed {@code rabbitmq-server} (Debian's package): its own node
 * name, ports chosen at run time, its configuration, data and logs in a temporary directory, and an
 * administrator with a generated password. Nothing of the machine's own broker is touched. As root, the node
 * runs as user {@code rabbitmq} (the package's), which owns the directory. {@link #close()} stops it and
 * deletes the directory; a JVM shutdown hook does the same for a node a test left running. (A cluster of
 * such nodes, for faults: {@link RabbitMqCluster}; what both share: {@link LocalServers}.)
 *
 * <pre>
 * try (RabbitMqNode node = RabbitMqNode.configure("tls").tls(server).start()) {
 *     node.amqpsPort() ...
 * }
 * </pre>
 */
public final class RabbitMqNode implements AutoCloseable {

    /** Where the package puts the server's own scripts (the ones in /usr/sbin switch users and log elsewhere). */
    private static final Path BIN = Path.of("/usr/lib/rabbitmq/bin");
    /** The package's home of user rabbitmq, with the Erlang cookie the CLI tools need. */
    private static final Path RABBITMQ_HOME = Path.of("/var/lib/rabbitmq");
    private static final Duration BUDGET = Duration.ofSeconds(150);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String nodeName;
    private final Path directory;
    private final int amqpPort;
    private final int amqpsPort;
    private final int managementPort;
    private final String adminPassword;
    private final LocalServers.Cleanup cleanup;

    private RabbitMqNode(String nodeName, Path directory, int amqpPort, int amqpsPort, int managementPort, String adminPassword) {
        this.nodeName = nodeName;
        this.directory = directory;
        this.amqpPort = amqpPort;
        this.amqpsPort = amqpsPort;
        this.managementPort = managementPort;
        this.adminPassword = adminPassword;
        this.cleanup = new LocalServers.Cleanup("rabbitmq-node-" + nodeName, this::stopAndDelete);
    }

    /**
     * @return why a node cannot be started here, or null when it can
     */
    public static String unavailable() {
        if (!Files.isExecutable(BIN.resolve("rabbitmq-server"))) {
            return BIN.resolve("rabbitmq-server") + " is missing: install the rabbitmq-server package (apt-get install rabbitmq-server)";
        }
        return null;
    }

    /**
     * @param purpose a word for the node name and the directory
     * @return the options of a node, to {@link Options#start()}
     */
    public static Options configure(String purpose) {
        return new Options(purpose);
    }

    /** What a node listens on besides plain AMQP on loopback. */
    public static final class Options {
        private final String purpose;
        private TestCertificates.Server tls;
        private boolean management;

        private Options(String purpose) {
            this.purpose = purpose;
        }

        /**
         * @param server the certificate and key of an AMQPS listener (clients are not asked for certificates)
         * @return these options
         */
        public Options tls(TestCertificates.Server server) {
            this.tls = server;
            return this;
        }

        /** @return these options, with the management plugin and its HTTP API on loopback */
        public Options management() {
            this.management = true;
            return this;
        }

        /**
         * Starts the node and waits until it has booted.
         *
         * @return the running node
         * @throws IOException when it cannot be started; the message holds the end of its log
         */
        public RabbitMqNode start() throws IOException {
            String reason = unavailable();
            if (reason != null) {
                throw new IllegalStateException(reason);
            }
            String name = Unique.name(purpose).replaceAll("[^A-Za-z0-9_-]", "-");
            Path directory = Files.createTempDirectory("datapipe-rabbitmq-" + name + "-");
            RabbitMqNode node = new RabbitMqNode(name + "@localhost", directory, LocalServers.freePort(),
                                                 tls == null ? -1 : LocalServers.freePort(), management ? LocalServers.freePort() : -1, password());
            try {
                node.boot(tls, management);
            } catch (IOException | RuntimeException e) {
                node.close();
                throw e;
            }
            return node;
        }
    }

    private void boot(TestCertificates.Server tls, boolean management) throws IOException {
        Files.createDirectories(directory.resolve("mnesia"));
        Files.createDirectories(directory.resolve("log"));
        List<String> config = new ArrayList<>(List.of(
                "listeners.tcp.default = 127.0.0.1:" + amqpPort,
                "default_user = " + adminUser(),
                "default_pass = " + adminPassword,
                "default_user_tags.administrator = true",
                "log.console = false",
                "log.file.level = info"));
        if (tls != null) {
            // The key must be readable by the node's user: copied into the node's directory, which it owns.
            Path certificate = Files.copy(tls.certificate(), directory.resolve("server.crt"));
            Path key = Files.copy(tls.key(), directory.resolve("server.key"));
            Path authority = Files.copy(tls.authority(), directory.resolve("ca.crt"));
            config.addAll(List.of(
                    "listeners.ssl.default = 127.0.0.1:" + amqpsPort,
                    "ssl_options.cacertfile = " + authority,
                    "ssl_options.certfile = " + certificate,
                    "ssl_options.keyfile = " + key,
                    "ssl_options.verify = verify_none",
                    "ssl_options.fail_if_no_peer_cert = false"));
        }
        if (management) {
            config.addAll(List.of("management.tcp.ip = 127.0.0.1", "management.tcp.port = " + managementPort));
        }
        Files.write(directory.resolve("rabbitmq.conf"), config);
        Files.writeString(directory.resolve("enabled_plugins"), management ? "[rabbitmq_management].\n" : "[].\n");
        // Empty: the machine's rabbitmq-env.conf would name the machine's own node.
        Files.writeString(directory.resolve("rabbitmq-env.conf"), "");
        LocalServers.chown("rabbitmq", directory);
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("RABBITMQ_NODENAME", nodeName);
        environment.put("RABBITMQ_NODE_PORT", Integer.toString(amqpPort));
        environment.put("RABBITMQ_DIST_PORT", Integer.toString(LocalServers.freePort()));
        environment.put("RABBITMQ_CONFIG_FILE", directory.resolve("rabbitmq.conf").toString());
        environment.put("RABBITMQ_ENABLED_PLUGINS_FILE", directory.resolve("enabled_plugins").toString());
        environment.put("RABBITMQ_CONF_ENV_FILE", directory.resolve("rabbitmq-env.conf").toString());
        environment.put("RABBITMQ_MNESIA_BASE", directory.resolve("mnesia").toString());
        environment.put("RABBITMQ_LOG_BASE", directory.resolve("log").toString());
        environment.put("RABBITMQ_PID_FILE", pidFile().toString());
        run(environment, "rabbitmq-server", "-detached");
        try {
            // wait, not await_startup: it waits for the pid file too, which a node just detached may not have yet.
            rabbitmqctl("wait", pidFile().toString(), "--timeout", "120");
        } catch (IllegalStateException e) {
            throw new IOException("RabbitMQ node " + nodeName + " did not start:\n" + e.getMessage() + "\n" + logTail(), e);
        }
    }

    /** @return the node's name, {@code <unique>@localhost} */
    public String nodeName() {
        return nodeName;
    }

    /** @return the host the listeners are on */
    public String host() {
        return "127.0.0.1";
    }

    /** @return the plain AMQP port (loopback) */
    public int amqpPort() {
        return amqpPort;
    }

    /** @return the AMQPS port, or -1 without TLS */
    public int amqpsPort() {
        return amqpsPort;
    }

    /** @return the management HTTP API's port, or -1 without it */
    public int managementPort() {
        return managementPort;
    }

    /** @return the management HTTP API's base URI, {@code http://127.0.0.1:<port>} */
    public String managementUri() {
        if (managementPort < 0) {
            throw new IllegalStateException("node " + nodeName + " runs without the management plugin");
        }
        return "http://127.0.0.1:" + managementPort;
    }

    /** @return the administrator, who may do anything on the node */
    public String adminUser() {
        return "admin";
    }

    /** @return the administrator's generated password */
    public String adminPassword() {
        return adminPassword;
    }

    /**
     * Declares a topology's exchanges, queues and bindings in the node's default vhost, as its administrator
     * over AMQP: for a test whose services use the production names on a node of its own.
     *
     * @param definition for example {@link TopologyDefinition#bundled()}
     * @return what was declared
     */
    public List<String> declare(TopologyDefinition definition) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(host());
        factory.setPort(amqpPort);
        factory.setUsername(adminUser());
        factory.setPassword(adminPassword);
        try (Connection connection = factory.newConnection("test-topology"); Channel channel = connection.createChannel()) {
            return AmqpTopology.declare(channel, definition);
        } catch (IOException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot declare the topology on node " + nodeName, e);
        }
    }

    /** @return the node's log file */
    public Path log() {
        return directory.resolve("log").resolve(nodeName + ".log");
    }

    /**
     * Runs {@code rabbitmqctl} against this node.
     *
     * @param arguments the command and its arguments
     * @return its output
     * @throws IllegalStateException when it fails (the output is in the message)
     */
    public String rabbitmqctl(String... arguments) {
        List<String> command = new ArrayList<>(List.of("-n", nodeName));
        command.addAll(List.of(arguments));
        return run(Map.of(), "rabbitmqctl", command.toArray(String[]::new));
    }

    /** Stops the node (waiting for its process to end) and deletes its directory. */
    @Override
    public void close() {
        cleanup.run();
    }

    private void stopAndDelete() {
        try {
            // A node whose start failed may still be booting: give it a moment to write its pid, so it
            // is stopped rather than left behind.
            for (int i = 0; i < 50 && !Files.exists(pidFile()); i++) {
                Thread.sleep(100);
            }
            if (Files.exists(pidFile())) {
                rabbitmqctl("stop", pidFile().toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killFromPidFile();
        } catch (IllegalStateException e) {
            System.err.println("stopping RabbitMQ node " + nodeName + ": " + e.getMessage());
            killFromPidFile();
        } finally {
            LocalServers.deleteTree(directory);
        }
    }

    private Path pidFile() {
        return directory.resolve(nodeName + ".pid");
    }

    private void killFromPidFile() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile()).trim());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            System.err.println("no pid of RabbitMQ node " + nodeName + ": " + e.getMessage());
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(log());
            return "--- " + log() + " (last lines)\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log at " + log() + ")";
        }
    }

    /** Runs one of the server's scripts as its user, with these environment variables (and the cookie's home). */
    private String run(Map<String, String> environment, String script, String... arguments) {
        List<String> command = new ArrayList<>(List.of("env"));
        if (LocalServers.ROOT) {
            command.add("HOME=" + RABBITMQ_HOME);
        }
        environment.forEach((key, value) -> command.add(key + "=" + value));
        command.add(BIN.resolve(script).toString());
        command.addAll(List.of(arguments));
        return LocalServers.run("rabbitmq", directory, BUDGET, command);
    }

    private static String password() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
