package io.datapipe.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.rabbitmq.client.Address;

/**
 * RabbitMQ nodes of this machine's own installation (the Debian package's {@code rabbitmq-server}), started
 * for a test and clustered: each with its own node name, ports and data directory under a temporary
 * directory, and its own Erlang cookie, so that they never touch the machine's broker ({@code rabbit@localhost})
 * or another run's nodes. Run as user {@code rabbitmq} when the tests run as root.
 *
 * <pre>
 * try (RabbitMqCluster cluster = RabbitMqCluster.start("pipeline", 3)) {
 *     TestRabbitMq broker = cluster.broker();          // guest over the address list
 *     cluster.kill(cluster.queueLeader(queue));         // kill -9
 *     cluster.start(node);                              // back, rejoins the cluster
 * }
 * </pre>
 *
 * Closing it kills every node and deletes the directory; so does a JVM shutdown hook, for a run that is
 * killed before it closes what it started.
 */
public final class RabbitMqCluster implements AutoCloseable {

    private static final Path SERVER = Path.of("/usr/lib/rabbitmq/bin/rabbitmq-server");
    private static final Path CTL = Path.of("/usr/lib/rabbitmq/bin/rabbitmqctl");
    private static final Duration BOOT_BUDGET = Duration.ofSeconds(120);
    private static final Duration CTL_BUDGET = Duration.ofSeconds(150);

    /** One node: its name, AMQP port and directory (configuration, data, log, pid file). */
    public record Node(String name, int amqpPort, int distPort, Path dir) {
        /** @return {@code 127.0.0.1:<port>} */
        public Address address() {
            return new Address("127.0.0.1", amqpPort);
        }

        Path pidFile() {
            return dir.resolve("pid");
        }

        Path log() {
            return dir.resolve("log").resolve(name + ".log");
        }
    }

    private final Path base;
    private final Path home;
    private final List<Node> nodes;
    private final LocalServers.Cleanup cleanup;

    private RabbitMqCluster(Path base, Path home, List<Node> nodes) {
        this.base = base;
        this.home = home;
        this.nodes = nodes;
        this.cleanup = new LocalServers.Cleanup("rabbitmq-cluster-cleanup", this::destroy);
    }

    /**
     * Whether nodes can be started here, and if not, why.
     *
     * @return empty when they can; otherwise what is missing
     */
    public static Optional<String> unavailableBecause() {
        if (!Files.isExecutable(SERVER) || !Files.isExecutable(CTL)) {
            return Optional.of(SERVER + " is not installed (apt-get install rabbitmq-server)");
        }
        if (LocalServers.ROOT && !Files.isDirectory(Path.of("/var/lib/rabbitmq"))) {
            return Optional.of("running as root, but there is no user rabbitmq to run the nodes as");
        }
        return Optional.empty();
    }

    /**
     * Starts nodes and clusters them with the first one.
     *
     * @param purpose what for, in the node names
     * @param size    how many nodes
     * @return the running cluster
     */
    public static RabbitMqCluster start(String purpose, int size) {
        unavailableBecause().ifPresent(reason -> {
            throw new IllegalStateException("cannot start RabbitMQ nodes: " + reason);
        });
        String prefix = "dp" + purpose.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "") + Unique.suffix();
        RabbitMqCluster cluster;
        try {
            Path base = Files.createTempDirectory("datapipe-rabbitmq-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            Path home = Files.createDirectories(base.resolve("home"));
            Path cookie = home.resolve(".erlang.cookie");
            byte[] secret = new byte[20];
            new SecureRandom().nextBytes(secret);
            Files.writeString(cookie, HexFormat.of().formatHex(secret).toUpperCase(java.util.Locale.ROOT));
            Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
            Files.writeString(base.resolve("rabbitmq-env.conf"), ""); // not the machine's /etc/rabbitmq/rabbitmq-env.conf
            List<Node> nodes = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                String name = prefix + (char) ('a' + i) + "@localhost";
                nodes.add(new Node(name, LocalServers.freePort(), LocalServers.freePort(), Files.createDirectories(base.resolve(name))));
            }
            cluster = new RabbitMqCluster(base, home, List.copyOf(nodes));
            cluster.chownToRabbitmq(base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out RabbitMQ nodes", e);
        }
        try {
            cluster.nodes.forEach(cluster::launch);
            cluster.nodes.forEach(cluster::awaitBoot);
            Node first = cluster.nodes.get(0);
            for (Node node : cluster.nodes.subList(1, size)) {
                cluster.rabbitmqctl(node, "stop_app");
                cluster.rabbitmqctl(node, "join_cluster", first.name());
                cluster.rabbitmqctl(node, "start_app");
            }
            cluster.awaitQuorumQueues();
            return cluster;
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** @return the nodes, in the order they were started */
    public List<Node> nodes() {
        return nodes;
    }

    /** @return the cluster as a broker: guest over every node's address, {@code rabbitmqctl} on a running node */
    public TestRabbitMq broker() {
        return TestRabbitMq.ofCluster(nodes.stream().map(Node::address).toList(), this::rabbitmqctlOnAnyNode);
    }

    /**
     * Kills a node's Erlang VM with SIGKILL, as a crashed host would lose it, and waits until it is gone.
     *
     * @param node the node
     */
    public void kill(Node node) {
        pid(node).flatMap(ProcessHandle::of).ifPresent(process -> {
            process.destroyForcibly();
            process.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }

    /**
     * Stops a node gracefully ({@code rabbitmqctl stop}), as an operator or a rolling upgrade does.
     *
     * @param node the node
     */
    public void stop(Node node) {
        rabbitmqctl(node, "stop", node.pidFile().toString());
    }

    /**
     * Starts a node that was killed or stopped, with its data, and waits until it has booted: it rejoins the
     * cluster by itself.
     *
     * @param node the node
     */
    public void start(Node node) {
        launch(node);
        awaitBoot(node);
    }

    /** Stops every node gracefully, the last one first, then starts them all at once, as after a power cut. */
    public void restartAll() {
        nodes.reversed().forEach(this::stop);
        nodes.forEach(this::launch);
        nodes.forEach(this::awaitBoot);
    }

    /**
     * The node that leads a quorum queue now.
     *
     * @param queue the queue
     * @return its leader
     */
    public Node queueLeader(String queue) {
        String leader = queueInfo(queue, "leader");
        return nodes.stream().filter(node -> node.name().equals(leader)).findFirst()
                .orElseThrow(() -> new IllegalStateException("queue " + queue + " is led by " + leader + ", not one of " + nodes));
    }

    /**
     * The nodes that hold a replica of a quorum queue.
     *
     * @param queue the queue
     * @return their names, as {@code rabbitmqctl list_queues members} shows them
     */
    public List<String> queueMembers(String queue) {
        String members = queueInfo(queue, "members");
        return Stream.of(members.replaceAll("[\\[\\]\\s]", "").split(",")).filter(name -> !name.isEmpty()).sorted().toList();
    }

    private String queueInfo(String queue, String item) {
        for (String line : rabbitmqctlOnAnyNode("list_queues", "-q", "--no-table-headers", "name", item).split("\n")) {
            String[] columns = line.split("\t", 2);
            if (columns.length == 2 && columns[0].trim().equals(queue)) {
                return columns[1].trim();
            }
        }
        throw new IllegalStateException("no queue " + queue + " on the cluster");
    }

    /**
     * Sets a node's memory high watermark, the share of the machine's memory above which it raises the
     * memory alarm and blocks publishers (a fraction such as {@code 0.0001} raises it at once; {@code 0.4},
     * RabbitMQ's default, clears it). On this cluster's own node only.
     *
     * @param node     the node
     * @param fraction the watermark
     */
    public void memoryHighWatermark(Node node, double fraction) {
        rabbitmqctl(node, "set_vm_memory_high_watermark", Double.toString(fraction));
    }

    /**
     * Runs {@code rabbitmqctl} against one of this cluster's nodes (never the machine's own broker).
     *
     * @param node the node
     * @param args its arguments
     * @return its output
     */
    public String rabbitmqctl(Node node, String... args) {
        List<String> command = new ArrayList<>(List.of(CTL.toString(), "-n", node.name()));
        command.addAll(List.of(args));
        return run(command, CTL_BUDGET);
    }

    /**
     * Runs {@code rabbitmqctl} against whichever of this cluster's nodes runs (the first that answers).
     *
     * @param args its arguments
     * @return its output
     */
    public String rabbitmqctlOnAnyNode(String... args) {
        IllegalStateException last = null;
        for (Node node : nodes) {
            if (pid(node).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false)) {
                try {
                    return rabbitmqctl(node, args);
                } catch (IllegalStateException e) {
                    last = e;
                }
            }
        }
        throw last != null ? last : new IllegalStateException("no node of the cluster is running");
    }

    private void launch(Node node) {
        try {
            Path config = node.dir().resolve("rabbitmq.conf");
            // Loopback only; and the node's Erlang distribution on its own port, so that nodes never race for one.
            Files.writeString(config, "listeners.tcp.local = 127.0.0.1:" + node.amqpPort() + "\n");
            Files.writeString(node.dir().resolve("enabled_plugins"), "[].\n");
            chownToRabbitmq(node.dir());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(environment(node));
        command.add(SERVER.toString());
        command.add("-detached");
        run(command, CTL_BUDGET);
    }

    /**
     * Waits until the cluster takes a quorum queue. Right after the nodes have joined, a declaration can still be
     * refused with INTERNAL_ERROR (541): a test's topology once failed that way 0.1 s after the cluster formed.
     */
    private void awaitQuorumQueues() {
        String probe = "cluster-ready-probe";
        long deadline = System.nanoTime() + BOOT_BUDGET.toNanos();
        while (true) {
            try (com.rabbitmq.client.Connection connection = broker().connect("cluster-ready-probe");
                 com.rabbitmq.client.Channel channel = connection.createChannel()) {
                channel.queueDeclare(probe, true, false, false, Map.of("x-queue-type", "quorum"));
                channel.queueDelete(probe);
                return;
            } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the cluster did not take a quorum queue within " + BOOT_BUDGET.toSeconds()
                                                            + " s of forming", e);
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    private void awaitBoot(Node node) {
        // Until the new VM has registered with epmd, rabbitmqctl cannot reach it and fails at once: ask again.
        long deadline = System.nanoTime() + BOOT_BUDGET.toNanos();
        while (true) {
            try {
                rabbitmqctl(node, "await_startup", "--timeout", "10");
                return;
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("node " + node.name() + " did not boot within " + BOOT_BUDGET.toSeconds()
                                                            + " s; its log's last errors:\n" + errors(node), e);
                }
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** The error lines of a node's log, for a failure message. */
    private static String errors(Node node) {
        try {
            List<String> errors = Files.readAllLines(node.log()).stream()
                    .filter(line -> line.contains("[error]") || line.contains("[critical]")).toList();
            return String.join("\n", errors.subList(Math.max(0, errors.size() - 20), errors.size()));
        } catch (IOException e) {
            return "(no log at " + node.log() + ")";
        }
    }

    private List<String> environment(Node node) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("HOME", home.toString());
        env.put("RABBITMQ_CONF_ENV_FILE", base.resolve("rabbitmq-env.conf").toString());
        env.put("RABBITMQ_NODENAME", node.name());
        env.put("RABBITMQ_DIST_PORT", Integer.toString(node.distPort()));
        env.put("RABBITMQ_CONFIG_FILE", node.dir().resolve("rabbitmq.conf").toString());
        env.put("RABBITMQ_ENABLED_PLUGINS_FILE", node.dir().resolve("enabled_plugins").toString());
        env.put("RABBITMQ_MNESIA_BASE", node.dir().resolve("mnesia").toString());
        env.put("RABBITMQ_LOG_BASE", node.dir().resolve("log").toString());
        env.put("RABBITMQ_PID_FILE", node.pidFile().toString());
        // One scheduler, no busy waiting: three nodes share a small machine with the services under test.
        env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", "+S 1:1 +sbwt none +sbwtdcpu none +sbwtdio none");
        env.put("ERL_EPMD_ADDRESS", "127.0.0.1");
        List<String> command = new ArrayList<>(List.of("env"));
        env.forEach((key, value) -> command.add(key + "=" + value));
        return command;
    }

    private String run(List<String> command, Duration budget) {
        List<String> full = new ArrayList<>();
        if (!command.get(0).equals("env")) {
            full.addAll(List.of("env", "HOME=" + home, "RABBITMQ_CONF_ENV_FILE=" + base.resolve("rabbitmq-env.conf")));
        }
        full.addAll(command);
        return LocalServers.run("rabbitmq", base, budget, full);
    }

    private static Optional<Long> pid(Node node) {
        try {
            return Optional.of(Long.parseLong(Files.readString(node.pidFile()).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void chownToRabbitmq(Path path) throws IOException {
        LocalServers.chown("rabbitmq", path);
    }

    /** Kills every node and deletes the directory. */
    @Override
    public void close() {
        cleanup.run();
    }

    private void destroy() {
        nodes.forEach(this::kill);
        LocalServers.deleteTree(base);
    }
}
