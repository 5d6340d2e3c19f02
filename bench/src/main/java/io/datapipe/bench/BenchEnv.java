package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.topology.AmqpTopology;
import io.datapipe.topology.TopologyDefinition;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import io.datapipe.devtokens.DevKeys;
import io.datapipe.devtokens.TokenMinter;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;

/**
 * What every phase shares: the bench database and the private RabbitMQ names of this run, a signing key
 * the services trust and a token per subject, the HTTP client, and the configuration the services are
 * started with. Everything it creates it removes in {@link #close()}.
 */
final class BenchEnv implements AutoCloseable {

    /** The payload every POST sends: the README's example plus a little more, about 100 bytes. */
    static final String PAYLOAD_TEMPLATE = "{\"informationOne\":\"aaa23\",\"informationTwo\":\"bbb24\",\"seq\":%d,"
            + "\"note\":\"benchmark record with a realistic body\"}";

    final BenchOptions options;
    final String runId;
    final String database;
    final String exchange;
    final String queue;
    final String deadLetterExchange;
    final String deadLetterQueue;
    private final TopologyDefinition topology;
    final String cursorSecret;
    final Path keysDir;
    final List<String> users;
    final List<String> tokens;
    final BenchHttp http = new BenchHttp();
    private final List<String> extraQueues = new ArrayList<>();
    private final List<String> extraExchanges = new ArrayList<>();
    private boolean databaseCreated;
    private final List<String> extraDatabases = new ArrayList<>();

    BenchEnv(BenchOptions options) throws IOException {
        this.options = options;
        this.runId = UUID.randomUUID().toString().substring(0, 8);
        this.database = "datapipe_bench_" + runId;
        // The run's private copy of k8s/base/rabbitmq: bench.<run>.* names, the production types and arguments.
        this.topology = TopologyDefinition.bundled().privateCopy("bench." + runId,
                java.util.Arrays.stream(retryDelaysMs().split(",")).map(Long::valueOf).toList());
        this.exchange = topology.name("Exchange", "datapipe-records");
        this.queue = topology.name("Queue", "datapipe-persister");
        this.deadLetterExchange = topology.name("Exchange", "datapipe-records-dlx");
        this.deadLetterQueue = topology.name("Queue", "datapipe-persister-dlq");
        this.cursorSecret = "bench-cursor-secret-" + UUID.randomUUID();
        this.keysDir = Files.createTempDirectory("datapipe-bench-keys");
        DevKeys keys = DevKeys.loadOrCreate(keysDir);
        TokenMinter minter = TokenMinter.forDev(keys);
        List<String> names = new ArrayList<>();
        List<String> signed = new ArrayList<>();
        for (int i = 0; i < options.users(); i++) {
            String user = user(i);
            names.add(user);
            signed.add(minter.mint(user, List.of("data.read", "data.write"), Duration.ofHours(6)));
        }
        this.users = List.copyOf(names);
        this.tokens = List.copyOf(signed);
    }

    static String user(int i) {
        return String.format(Locale.ROOT, "bench-user-%03d", i);
    }

    // ---- database

    String jdbcUrl(String db) {
        return "jdbc:postgresql://" + options.dbHost() + ":" + options.dbPort() + "/" + db;
    }

    Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), options.dbUser(), options.dbPassword());
    }

    Connection connect() throws SQLException {
        return connect(database);
    }

    /**
     * Creates the bench database and migrates its schema as a release does, before any pod starts: the migration
     * Job's command (k8s/base/persister/migration-job.yaml), {@code io.datapipe.store.SchemaMigration} from the
     * persister's jar through services/launch.sh. The persister then starts as its pods do, without migrating.
     */
    void createDatabase() throws SQLException, IOException, InterruptedException {
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
            databaseCreated = true;
        }
        ServiceProcess migration = ServiceProcess.launch("persister").repository(options.repo())
                .mainClass("io.datapipe.store.SchemaMigration").config(databaseConfig())
                .logs(options.out().resolve("logs")).start();
        int status = migration.awaitExit(java.time.Duration.ofMinutes(2));
        if (status != 0) {
            throw new IllegalStateException("the schema migration ended with status " + status + "; see " + migration.log());
        }
    }

    /** Creates another database of this run ({@code <database>_<suffix>}), dropped with the bench database. */
    String createDatabase(String suffix) throws SQLException {
        String name = database + "_" + suffix;
        try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
            extraDatabases.add(name);
        }
        return name;
    }

    void dropDatabases() {
        List<String> names = new ArrayList<>(extraDatabases);
        if (databaseCreated) {
            names.add(database);
        }
        for (String name : names) {
            try (Connection admin = connect("postgres"); Statement statement = admin.createStatement()) {
                statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (SQLException e) {
                System.err.println("could not drop the bench database " + name + ": " + e.getMessage());
            }
        }
        extraDatabases.clear();
        databaseCreated = false;
    }

    // ---- broker

    ConnectionFactory amqp() {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(options.amqpHost());
        factory.setPort(options.amqpPort());
        factory.setUsername(options.amqpUser());
        factory.setPassword(options.amqpPassword());
        factory.setAutomaticRecoveryEnabled(false);
        return factory;
    }

    String amqpUri() {
        return "amqp://" + options.amqpUser() + ":" + options.amqpPassword() + "@" + options.amqpHost() + ":"
                + options.amqpPort() + "/%2F";
    }

    /** Messages ready in a queue (passive declare), or -1 when the queue is not there. */
    long queueDepth(String name) {
        try (com.rabbitmq.client.Connection connection = amqp().newConnection("datapipe-bench-probe");
             Channel channel = connection.createChannel()) {
            return channel.queueDeclarePassive(name).getMessageCount();
        } catch (IOException | TimeoutException e) {
            return -1;
        }
    }

    /** Remembers a queue or exchange made outside the services' topology, to delete it at the end. */
    void ownQueue(String name) {
        extraQueues.add(name);
    }

    void ownExchange(String name) {
        extraExchanges.add(name);
    }

    /** Declares the run's topology (before the services start: they declare nothing). */
    void declareTopology() throws IOException {
        try (com.rabbitmq.client.Connection connection = amqp().newConnection("datapipe-bench-topology");
             Channel channel = connection.createChannel()) {
            AmqpTopology.declare(channel, topology);
        } catch (TimeoutException e) {
            throw new IOException("cannot declare the bench topology", e);
        }
    }

    private void deleteTopology() {
        try (com.rabbitmq.client.Connection connection = amqp().newConnection("datapipe-bench-cleanup")) {
            try (Channel channel = connection.createChannel()) {
                AmqpTopology.delete(channel, topology);
            } catch (IOException | TimeoutException | RuntimeException e) {
                System.err.println("could not delete the bench queues " + queue + "...: " + e.getMessage());
            }
            for (String name : extraQueues) {
                try (Channel channel = connection.createChannel()) {
                    channel.queueDelete(name);
                } catch (IOException | TimeoutException | RuntimeException e) {
                    // not there
                }
            }
            for (String name : extraExchanges) {
                try (Channel channel = connection.createChannel()) {
                    channel.exchangeDelete(name);
                } catch (IOException | TimeoutException | RuntimeException e) {
                    // not there
                }
            }
        } catch (IOException | TimeoutException e) {
            System.err.println("could not delete the bench queues " + queue + "...: " + e.getMessage());
        }
    }

    /** The routing key of records: the binding's of k8s/base/rabbitmq. */
    String routingKey() {
        return topology.routingKey("datapipe-records-to-persister");
    }

    String retryDelaysMs() {
        return "1000,5000";
    }

    // ---- services

    Map<String, String> messagingConfig(String connectionName) {
        Map<String, String> config = new HashMap<>();
        config.put("datapipe.rabbitmq.host", options.amqpHost());
        config.put("datapipe.rabbitmq.port", Integer.toString(options.amqpPort()));
        config.put("datapipe.rabbitmq.username", options.amqpUser());
        config.put("datapipe.rabbitmq.password", options.amqpPassword());
        config.put("datapipe.exchange", exchange);
        config.put("datapipe.routing-key", routingKey());
        config.put("datapipe.queue", queue);
        config.put("datapipe.dead-letter-exchange", deadLetterExchange);
        config.put("datapipe.dead-letter-queue", deadLetterQueue);
        config.put("datapipe.retry-delays-ms", retryDelaysMs());
        config.put("mp.messaging.outgoing.records.connection-name", connectionName);
        config.put("mp.messaging.incoming.records.connection-name", connectionName);
        return config;
    }

    Map<String, String> databaseConfig() {
        return databaseConfig(database);
    }

    Map<String, String> databaseConfig(String db) {
        return Map.of("datapipe.db.url", jdbcUrl(db),
                      "datapipe.db.user", options.dbUser(),
                      "datapipe.db.password", options.dbPassword());
    }

    Map<String, String> jwtConfig() {
        // An empty value unsets the services' default JWKS URI (the local identity provider's).
        return Map.of("datapipe.jwt.jwks.path", keysDir.resolve(DevKeys.JWKS_FILE).toString(),
                      "datapipe.jwt.jwks.uri", "",
                      "datapipe.jwt.issuer", TokenMinter.DEV_ISSUER,
                      "datapipe.jwt.audience", TokenMinter.DEV_AUDIENCE);
    }

    /** The configuration of one service in this run; {@code extra} overrides it. */
    Map<String, String> serviceConfig(String service, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(jwtConfig());
        switch (service) {
            case "generator" -> config.putAll(messagingConfig("datapipe-bench-" + runId + "-generator"));
            case "persister" -> {
                config.putAll(messagingConfig("datapipe-bench-" + runId + "-persister"));
                config.putAll(databaseConfig());
                // As the pods run it (k8s/base/persister: DATAPIPE_DB_MIGRATE=false): the schema is the Job's.
                config.put("datapipe.db.migrate", "false");
            }
            case "web" -> {
                config.putAll(databaseConfig());
                config.put("datapipe.web.cursor-secret", cursorSecret);
            }
            default -> throw new IllegalArgumentException(service);
        }
        config.putAll(extra);
        return config;
    }

    /** Starts a service as the pods run it (services/launch.sh), configured for this run; {@code extra} overrides. */
    ServiceProcess start(String service, Map<String, String> extra) throws IOException {
        return ServiceProcess.launch(service).repository(options.repo()).config(serviceConfig(service, extra))
                .logs(options.out().resolve("logs")).start();
    }

    // ---- HTTP

    String token(long n) {
        return tokens.get((int) (n % tokens.size()));
    }

    String userOf(long n) {
        return users.get((int) (n % users.size()));
    }

    static String payload(long n) {
        return String.format(Locale.ROOT, PAYLOAD_TEMPLATE, n);
    }

    CompletableFuture<BenchHttp.Answer> post(URI uri, long n) {
        return http.post(uri, token(n), payload(n), null);
    }

    /**
     * Posts batch {@code n} of {@code size} records (the records {@code n * size} to {@code n * size + size - 1}),
     * with an Idempotency-Key of its own.
     */
    CompletableFuture<BenchHttp.Answer> postBatch(URI uri, long n, int size) {
        StringBuilder body = new StringBuilder(size * 64).append('[');
        for (int i = 0; i < size; i++) {
            body.append(i == 0 ? "" : ",").append(payload(n * size + i));
        }
        return http.post(uri, token(n), body.append(']').toString(), runId + "-batch-" + n);
    }

    @Override
    public void close() {
        deleteTopology();
        if (!options.keep()) {
            dropDatabases();
        }
        http.close();
        try (var files = Files.walk(keysDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory
        }
    }
}
