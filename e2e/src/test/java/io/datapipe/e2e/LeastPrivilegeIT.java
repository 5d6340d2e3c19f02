package io.datapipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.MessageProperties;
import io.datapipe.testsupport.RabbitMqNode;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.Unique;
import io.datapipe.topology.TopologyApplier;
import io.datapipe.topology.TopologyApplier.Credentials;
import io.datapipe.topology.TopologyDefinition;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Least privilege, from the one definition of the topology: k8s/base/rabbitmq (Messaging Topology Operator
 * objects) is applied as it is, users and permissions included, to a RabbitMQ node of the test's own, the way
 * the operator applies it in a cluster. The generator and the persister then run
 * as the users it creates, holding exactly the permissions it grants: the pipeline, the retry route, the
 * dead-letter queue and the replay work, and each service user is refused what it should not do.
 */
class LeastPrivilegeIT {

    private static final TestTokens TOKENS = TestTokens.get();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VHOST = "datapipe";

    private static RabbitMqNode node;
    private static TestDatabase database;
    private static Credentials generatorUser;
    private static Credentials persisterUser;
    private static ServiceProcess generator;
    private static ServiceProcess persister;

    @BeforeAll
    static void applyTheManifestsAndStartTheServices() throws Exception {
        assumeThat(RabbitMqNode.unavailable()).as("a RabbitMQ node of the test's own can be started").isNull();
        node = RabbitMqNode.configure("least-privilege").management().start();
        generatorUser = new Credentials("datapipe-generator", Unique.suffix() + Unique.suffix());
        persisterUser = new Credentials("datapipe-persister", Unique.suffix() + Unique.suffix());
        TopologyDefinition definition = TopologyDefinition.read(repository().resolve("k8s/base/rabbitmq"));
        List<String> applied = new TopologyApplier(URI.create(node.managementUri()), node.adminUser(), node.adminPassword())
                .apply(definition, Map.of("datapipe-rabbitmq-generator", generatorUser, "datapipe-rabbitmq-persister", persisterUser));
        assertThat(applied).hasSize(definition.objects().size());
        // The test's own hand in the virtual host (the node's administrator has none there by default).
        HttpResponse<String> grant = HTTP.send(HttpRequest.newBuilder(URI.create(node.managementUri() + "/api/permissions/" + VHOST + "/" + node.adminUser()))
                .header("Authorization", basic(new Credentials(node.adminUser(), node.adminPassword())))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"configure\":\".*\",\"write\":\".*\",\"read\":\".*\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(grant.statusCode()).as(grant.body()).isBetween(200, 299);

        database = TestPostgres.get().createDatabase("least_privilege");
        persister = ServiceProcess.start("persister", config(persisterUser, database.serviceConfig()));
        generator = ServiceProcess.start("generator", config(generatorUser, Map.of()));
        persister.awaitReady();
        generator.awaitReady();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] {generator, persister, database, node}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("cleanup: " + e);
                }
            }
        }
    }

    /** As the services run in a cluster: the base ConfigMap's names (the defaults), their own user. */
    private static Map<String, String> config(Credentials user, Map<String, String> extra) {
        Map<String, String> config = new HashMap<>(extra);
        config.put("datapipe.rabbitmq.host", node.host());
        config.put("datapipe.rabbitmq.port", Integer.toString(node.amqpPort()));
        config.put("datapipe.rabbitmq.virtual-host", VHOST);
        config.put("datapipe.rabbitmq.username", user.username());
        config.put("datapipe.rabbitmq.password", user.password());
        config.putAll(TOKENS.serviceConfig());
        return config;
    }

    @Test
    void recordsFlowRetriesEndInTheDeadLetterQueueAndAReplayStoresThem() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(post("{\"n\":" + i + "}"));
        }
        refuseMarkedRecords(true);
        String refused;
        try {
            refused = post("{\"refuse\":\"until fixed\"}");
            // Tried again after 1 s, 5 s and 30 s (the retry queues of the manifests), then dead-lettered.
            JsonNode dead = await("the refused record dead-lettered").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> deadLetters().path("messages"), messages -> messages.size() == 1);
            assertThat(dead.get(0).path("messageId").asText()).isEqualTo(refused);
            assertThat(dead.get(0).path("reason").asText()).isEqualTo("retries-exhausted");
            assertThat(dead.get(0).path("attempts").asText()).isEqualTo("4");
        } finally {
            refuseMarkedRecords(false);
        }
        await("the first records stored").atMost(Duration.ofSeconds(30)).until(() -> stored(ids) == ids.size());

        HttpResponse<String> replay = HTTP.send(HttpRequest.newBuilder(persister.uri("/admin/dead-letters/replay"))
                .header("Authorization", "Bearer " + TOKENS.token("ops", "data.admin"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(replay.statusCode()).as(replay.body()).isEqualTo(200);
        assertThat(JSON.readTree(replay.body()).path("replayed").asInt()).isEqualTo(1);
        await("the replayed record stored").atMost(Duration.ofSeconds(30)).until(() -> stored(List.of(refused)) == 1);
        assertThat(deadLetters().path("depth").asLong()).isZero();
    }

    @Test
    void theGeneratorMayOnlyPublishRecords() throws Exception {
        try (Connection connection = connect(generatorUser)) {
            assertRefused(connection, ch -> ch.exchangeDeclare("datapipe.records.copy", "topic", true));
            assertRefused(connection, ch -> ch.queueDeclare("datapipe.generator.own", true, false, false, null));
            assertRefused(connection, ch -> ch.queueDelete("datapipe.persister"));
            assertRefused(connection, ch -> ch.exchangeDelete("datapipe.records"));
            assertRefused(connection, ch -> ch.basicGet("datapipe.persister", false));
            assertRefused(connection, ch -> ch.basicGet("datapipe.persister.dlq", false));
            assertRefused(connection, ch -> ch.queuePurge("datapipe.persister"));
            assertPublishRefused(connection, "datapipe.records.dlx", "#");
            assertPublishRefused(connection, "", "datapipe.persister");
            // What it is for still works on a fresh channel of the same connection.
            assertPublishAccepted(connection, "datapipe.records", "record.created");
        }
        assertThat(managementStatus(generatorUser)).as("the management API to a user without tags").isEqualTo(401);
    }

    @Test
    void thePersisterMayOnlyConsumeRetryDeadLetterAndReplay() throws Exception {
        try (Connection connection = connect(persisterUser)) {
            assertRefused(connection, ch -> ch.exchangeDeclare("datapipe.records.copy", "topic", true));
            assertRefused(connection, ch -> ch.queueDeclare("datapipe.persister.own", true, false, false, null));
            assertRefused(connection, ch -> ch.queueDelete("datapipe.persister.dlq"));
            assertRefused(connection, ch -> ch.queueBind("datapipe.persister.dlq", "datapipe.records", "#"));
            assertPublishRefused(connection, "datapipe.records", "record.created");
        }
        // A queue of someone else's in the same virtual host: not readable.
        try (Connection admin = connect(new Credentials(node.adminUser(), node.adminPassword())); Channel channel = admin.createChannel()) {
            channel.queueDeclare("other.team.queue", true, false, false, null);
        }
        try (Connection connection = connect(persisterUser)) {
            assertRefused(connection, ch -> ch.basicGet("other.team.queue", true));
        }
        assertThat(managementStatus(persisterUser)).as("the management API to a user without tags").isEqualTo(401);
    }

    private interface ChannelAction {
        void run(Channel channel) throws Exception;
    }

    /** The broker closes the channel with ACCESS_REFUSED (403). */
    private static void assertRefused(Connection connection, ChannelAction action) throws Exception {
        Channel channel = connection.createChannel();
        assertThatThrownBy(() -> action.run(channel)).satisfies(e -> assertThat(describe(e)).contains("ACCESS_REFUSED"));
        assertThat(channel.isOpen()).isFalse();
    }

    private static void assertPublishRefused(Connection connection, String exchange, String routingKey) throws Exception {
        Channel channel = connection.createChannel();
        channel.confirmSelect();
        assertThatThrownBy(() -> {
            channel.basicPublish(exchange, routingKey, MessageProperties.PERSISTENT_BASIC, "{}".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
        }).satisfies(e -> assertThat(describe(e)).contains("ACCESS_REFUSED"));
    }

    private static void assertPublishAccepted(Connection connection, String exchange, String routingKey) throws Exception {
        try (Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            // Not a record: the persister dead-letters it; it is taken back out below.
            channel.basicPublish(exchange, routingKey, MessageProperties.PERSISTENT_BASIC, "probe".getBytes(StandardCharsets.UTF_8));
            channel.waitForConfirmsOrDie(10_000);
        }
        await("the probe dead-lettered").atMost(Duration.ofSeconds(20)).until(() -> deadLetters().path("depth").asLong() >= 1);
        try (Connection admin = connect(new Credentials(node.adminUser(), node.adminPassword())); Channel channel = admin.createChannel()) {
            channel.queuePurge("datapipe.persister.dlq");
        }
    }

    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            text.append(t).append(" / ");
        }
        return text.toString();
    }

    private static Connection connect(Credentials user) throws Exception {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(node.host());
        factory.setPort(node.amqpPort());
        factory.setVirtualHost(VHOST);
        factory.setUsername(user.username());
        factory.setPassword(user.password());
        return factory.newConnection("least-privilege-test");
    }

    private static int managementStatus(Credentials user) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(node.managementUri() + "/api/overview"))
                .header("Authorization", basic(user))
                .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String basic(Credentials user) {
        return "Basic " + Base64.getEncoder().encodeToString((user.username() + ":" + user.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static String post(String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(generator.uri("/data"))
                .header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).path("id").asText();
    }

    private static JsonNode deadLetters() throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(persister.uri("/admin/dead-letters"))
                .header("Authorization", "Bearer " + TOKENS.token("ops", "data.admin")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** Fault injection: the database refuses any record whose payload has a "refuse" member. */
    private static void refuseMarkedRecords(boolean refuse) throws Exception {
        try (java.sql.Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            if (refuse) {
                statement.execute("CREATE OR REPLACE FUNCTION refuse_marked() RETURNS trigger AS $$ BEGIN"
                        + " IF NEW.payload ? 'refuse' THEN RAISE EXCEPTION 'refused by the test trigger' USING ERRCODE = 'check_violation';"
                        + " END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
                statement.execute("CREATE TRIGGER refuse_marked BEFORE INSERT ON data_record FOR EACH ROW EXECUTE FUNCTION refuse_marked()");
            } else {
                statement.execute("DROP TRIGGER IF EXISTS refuse_marked ON data_record");
            }
        }
    }

    private static int stored(List<String> ids) throws Exception {
        try (java.sql.Connection connection = database.connect();
             ResultSet rows = connection.createStatement().executeQuery("SELECT count(*) FROM data_record WHERE id IN ('"
                     + String.join("','", ids) + "')")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    private static Path repository() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("k8s/base/rabbitmq"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no k8s/base/rabbitmq in " + Path.of("").toAbsolutePath() + " or above");
    }
}
