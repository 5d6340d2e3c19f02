package io.datapipe.persister;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.datapipe.contract.BoundedJson;
import io.datapipe.contract.JsonLimits;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;
import io.datapipe.testsupport.OpenApiDocuments;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.GetResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.WebTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The persister in process, against a real broker and a real database of its own. */
@HelidonTest
@Configuration(useExisting = true)
class PersisterTest {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final RecordCodec CODEC = RecordCodec.standard();
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static PersisterResources resources;
    private static TestTopology topology;
    private static TestDatabase database;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        resources = PersisterResources.register(BROKER, "persister", Map.of("datapipe.persister.batch-size", "50",
                                                                             "datapipe.persister.prefetch", "200"));
        topology = resources.topology();
        database = resources.database();
    }

    @AfterAll
    static void cleanUp() {
        resources.close();
    }

    @BeforeEach
    void ready() {
        await().atMost(Duration.ofSeconds(30)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
    }

    @Test
    void storesEveryRecordOnceAndAcknowledgesItOnlyAfterTheCommit() throws Exception {
        List<RecordMessage> records = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            records.add(record("user-" + (i % 7), "{\"n\":" + i + "}"));
        }
        publish(records);

        await().atMost(Duration.ofSeconds(30)).until(() -> count(records) == 1_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> BROKER.messageCount(topology.queue()) == 0);

        RecordMessage first = records.get(0);
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT user_id, payload::text, received_at, persisted_at FROM data_record"
                                                            + " WHERE id = '" + first.id() + "'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getString(1)).isEqualTo(first.userId());
            assertThat(row.getString(2)).isEqualTo("{\"n\": 0}");
            assertThat(row.getTimestamp(3).toInstant()).isEqualTo(first.receivedAt());
            assertThat(row.getTimestamp(4).toInstant()).isAfterOrEqualTo(first.receivedAt());
        }
    }

    @Test
    void storesARedeliveredRecordOnce() throws Exception {
        RecordMessage record = record("alice", "{\"twice\":true}");

        publish(List.of(record, record, record));

        await().atMost(Duration.ofSeconds(20)).until(() -> BROKER.messageCount(topology.queue()) == 0
                && count(List.of(record)) == 1);
        assertThat(rows(record.id())).isEqualTo(1);
    }

    @Test
    void deadLettersWhatIsNotARecordAndStoresItsNeighbours() throws Exception {
        RecordMessage before = record("alice", "{\"before\":1}");
        RecordMessage after = record("alice", "{\"after\":1}");
        try (com.rabbitmq.client.Connection connection = BROKER.connect("test-publish");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            publish(channel, CODEC.encode(before), before.id().toString());
            publish(channel, "not json".getBytes(StandardCharsets.UTF_8), "poison-1");
            publish(channel, "{\"id\":\"x\",\"userId\":\"alice\",\"payload\":{},\"receivedAt\":\"2026-01-01T00:00:00Z\"}"
                    .getBytes(StandardCharsets.UTF_8), "poison-2");
            publish(channel, CODEC.encode(after), after.id().toString());
            channel.waitForConfirmsOrDie(10_000);
        }

        GetResponse first = await().atMost(Duration.ofSeconds(20))
                .until(() -> take(topology.deadLetterQueue()), response -> response != null);
        assertThat(first.getProps().getMessageId()).isEqualTo("poison-1");
        assertThat(first.getProps().getHeaders().get("x-dead-letter-reason").toString()).isEqualTo("rejected");
        assertThat(first.getProps().getHeaders().get("x-attempts")).isEqualTo(1);
        assertThat(first.getProps().getHeaders().get("x-failure-message").toString()).contains("MALFORMED");
        GetResponse second = await().atMost(Duration.ofSeconds(20))
                .until(() -> take(topology.deadLetterQueue()), response -> response != null);
        assertThat(second.getProps().getMessageId()).isEqualTo("poison-2");
        assertThat(second.getProps().getHeaders().get("x-failure-message").toString()).contains("SCHEMA");
        await().atMost(Duration.ofSeconds(20)).until(() -> count(List.of(before, after)) == 2);
        assertThat(BROKER.messageCount(topology.queue())).isZero();
    }

    @Test
    void retriesARecordTheDatabaseRefusesThenDeadLettersItWithTheReason() throws Exception {
        installRefusal();
        try {
            List<RecordMessage> good = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                good.add(record("alice", "{\"good\":" + i + "}"));
            }
            RecordMessage refused = record("alice", "{\"refuse\":true}");
            List<RecordMessage> stream = new ArrayList<>(good);
            stream.add(10, refused);
            publish(stream);

            // Its neighbours are stored at once, in spite of sharing its batch.
            await().atMost(Duration.ofSeconds(20)).until(() -> count(good) == 20);
            // It is tried again after each retry delay, then dead-lettered with the reason.
            GetResponse dead = await().atMost(Duration.ofSeconds(30))
                    .until(() -> take(topology.deadLetterQueue()), response -> response != null);
            Map<String, Object> headers = dead.getProps().getHeaders();
            assertThat(dead.getProps().getMessageId()).isEqualTo(refused.id().toString());
            assertThat(headers.get("x-dead-letter-reason").toString()).isEqualTo("retries-exhausted");
            assertThat(headers.get("x-attempts")).isEqualTo(topology.retryDelaysMs().size() + 1);
            assertThat(headers.get("x-failure-message").toString()).contains("refused by the test trigger");
            assertThat(headers.get("x-original-routing-key").toString()).isEqualTo(topology.routingKey());
            assertThat(count(List.of(refused))).isZero();
            assertThat(BROKER.messageCount(topology.queue())).isZero();
        } finally {
            removeRefusal();
        }
    }

    @Test
    void retriesABatchWhoseCommitFailsAndStoresItOnce() throws Exception {
        // Fault injection at COMMIT, where a dropped connection or a failover strikes: a deferred
        // constraint trigger fails the first two commits of a batch holding a "failCommit" record. The
        // sequence counts attempts outside the transactions it fails.
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SEQUENCE commit_attempts");
            statement.execute("CREATE FUNCTION fail_commit() RETURNS trigger AS $$ BEGIN"
                                      + " IF NEW.payload ? 'failCommit' AND nextval('commit_attempts') <= 2 THEN"
                                      + " RAISE EXCEPTION 'commit failed by the test trigger' USING ERRCODE = 'serialization_failure';"
                                      + " END IF; RETURN NULL; END $$ LANGUAGE plpgsql");
            statement.execute("CREATE CONSTRAINT TRIGGER fail_commit AFTER INSERT ON data_record"
                                      + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_commit()");
        }
        try {
            List<RecordMessage> records = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                records.add(record("alice", i == 5 ? "{\"failCommit\":true}" : "{\"n\":" + i + "}"));
            }
            publish(records);

            await().atMost(Duration.ofSeconds(30)).until(() -> count(records) == 10
                    && BROKER.messageCount(topology.queue()) == 0);
            try (Connection connection = database.connect(); Statement statement = connection.createStatement();
                 ResultSet attempts = statement.executeQuery("SELECT last_value FROM commit_attempts")) {
                attempts.next();
                assertThat(attempts.getLong(1)).as("commits attempted").isEqualTo(3);
            }
            assertThat(BROKER.messageCount(topology.deadLetterQueue())).as("dead-lettered").isZero();
            for (RecordMessage record : records) {
                assertThat(rows(record.id())).isEqualTo(1);
            }
        } finally {
            try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
                statement.execute("DROP TRIGGER fail_commit ON data_record");
                statement.execute("DROP FUNCTION fail_commit()");
                statement.execute("DROP SEQUENCE commit_attempts");
            }
        }
    }

    /** Fault injection: the database refuses any record whose payload has a "refuse" member. */
    private static void installRefusal() throws Exception {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("CREATE OR REPLACE FUNCTION refuse_marked() RETURNS trigger AS $$ BEGIN"
                                      + " IF NEW.payload ? 'refuse' THEN"
                                      + " RAISE EXCEPTION 'refused by the test trigger' USING ERRCODE = 'check_violation';"
                                      + " END IF; RETURN NEW; END $$ LANGUAGE plpgsql");
            statement.execute("CREATE TRIGGER refuse_marked BEFORE INSERT ON data_record"
                                      + " FOR EACH ROW EXECUTE FUNCTION refuse_marked()");
        }
    }

    private static void removeRefusal() throws Exception {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement()) {
            statement.execute("DROP TRIGGER refuse_marked ON data_record");
        }
    }

    @Test
    void showsOperatorsWhyMessagesAreDeadLetteredAndReplaysThemOnceFixed() throws Exception {
        String admin = TestTokens.get().token("ops", "data.admin");
        installRefusal();
        RecordMessage refused = record("alice", "{\"refuse\":\"until fixed\"}");
        try {
            publish(List.of(refused));
            await().atMost(Duration.ofSeconds(30)).until(() -> BROKER.messageCount(topology.deadLetterQueue()) == 1);
        } finally {
            removeRefusal();
        }

        JsonNode page = JSON.readTree(target.path("/admin/dead-letters").request()
                                              .header("Authorization", "Bearer " + admin).get(String.class));
        assertThat(page.get("queue").asText()).isEqualTo(topology.deadLetterQueue());
        assertThat(page.get("depth").asLong()).isEqualTo(1);
        JsonNode message = page.get("messages").get(0);
        assertThat(message.get("messageId").asText()).isEqualTo(refused.id().toString());
        assertThat(message.get("reason").asText()).isEqualTo("retries-exhausted");
        assertThat(message.get("failure").asText()).contains("refused by the test trigger");
        assertThat(message.get("attempts").asText()).isEqualTo(String.valueOf(topology.retryDelaysMs().size() + 1));
        assertThat(message.toString()).doesNotContain("until fixed");
        // Looking changes nothing.
        assertThat(BROKER.messageCount(topology.deadLetterQueue())).isEqualTo(1);

        JsonNode replay = JSON.readTree(target.path("/admin/dead-letters/replay").request()
                                                .header("Authorization", "Bearer " + admin)
                                                .post(jakarta.ws.rs.client.Entity.text("")).readEntity(String.class));
        assertThat(replay.get("replayed").asInt()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(List.of(refused)) == 1);
        assertThat(BROKER.messageCount(topology.deadLetterQueue())).isZero();
    }

    @Test
    void keepsTheDeadLetterQueueToOperators() {
        assertThat(target.path("/admin/dead-letters").request().get().getStatus()).isEqualTo(401);
        assertThat(target.path("/admin/dead-letters").request()
                           .header("Authorization", "Bearer " + TestTokens.get().token("alice", "data.read", "data.write"))
                           .get().getStatus()).isEqualTo(403);
        assertThat(target.path("/admin/dead-letters/replay").request()
                           .header("Authorization", "Bearer " + TestTokens.get().token("alice", "data.write"))
                           .post(jakarta.ws.rs.client.Entity.text("")).getStatus()).isEqualTo(403);
    }

    @Test
    void refusesALimitOutOfRangeAndOtherMethodsAsProblems() throws Exception {
        String admin = "Bearer " + TestTokens.get().token("ops", "data.admin");
        for (String limit : List.of("0", "1001", "abc", "+5", "\u0665")) {
            jakarta.ws.rs.core.Response response = target.path("/admin/dead-letters").queryParam("limit", limit).request()
                    .header("Authorization", admin).get();
            assertThat(response.getStatus()).as("limit=%s", limit).isEqualTo(400);
            assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
            assertThat(JSON.readTree(response.readEntity(String.class)).get("reason").asText()).isEqualTo("INVALID_LIMIT");
        }
        jakarta.ws.rs.core.Response delete = target.path("/admin/dead-letters").request().header("Authorization", admin).delete();
        assertThat(delete.getStatus()).isEqualTo(405);
        assertThat(delete.getHeaderString("Allow")).isEqualTo("GET,OPTIONS");
    }

    @Test
    void documentsTheAdminApiInOpenApi() {
        JsonNode openApi = target.path("/openapi").request("application/json").get(JsonNode.class);
        assertThat(openApi.path("paths").has("/admin/dead-letters")).isTrue();
        assertThat(openApi.path("paths").path("/admin/dead-letters/replay").has("post")).isTrue();
        assertThat(openApi.path("info").path("title").asText()).isEqualTo("datapipe persister");
        assertThat(OpenApiDocuments.unresolvedReferences(openApi)).isEmpty();
        assertThat(openApi.at("/components/schemas/Problem/properties/status/type").asText()).isEqualTo("integer");
    }

    @Test
    void reportsTheBrokerAndTheDatabaseInReadiness() {
        String ready = target.path("/health/ready").request().get(String.class);
        assertThat(ready).contains("\"rabbitmq\"").contains("\"incoming.records\":\"UP\"").contains("\"database\"");
    }

    private static RecordMessage record(String user, String payload) throws Exception {
        return new RecordMessage(RecordIds.next(), user,
                                 new BoundedJson(JsonLimits.PAYLOAD).parseObject(payload.getBytes(StandardCharsets.UTF_8)),
                                 Instant.now().truncatedTo(ChronoUnit.MILLIS));
    }

    private static void publish(List<RecordMessage> records) throws Exception {
        try (com.rabbitmq.client.Connection connection = BROKER.connect("test-publish");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (RecordMessage record : records) {
                publish(channel, CODEC.encode(record), record.id().toString());
            }
            channel.waitForConfirmsOrDie(30_000);
        }
    }

    private static void publish(Channel channel, byte[] body, String messageId) throws Exception {
        AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                .deliveryMode(2).contentType("application/json").messageId(messageId).build();
        channel.basicPublish(topology.exchange(), topology.routingKey(), true, properties, body);
    }

    private static GetResponse take(String queue) throws Exception {
        try (com.rabbitmq.client.Connection connection = BROKER.connect("test-take");
             Channel channel = connection.createChannel()) {
            return channel.basicGet(queue, true);
        }
    }

    private static int count(List<RecordMessage> records) throws Exception {
        StringBuilder ids = new StringBuilder();
        for (RecordMessage record : records) {
            ids.append(ids.isEmpty() ? "" : ",").append('\'').append(record.id()).append('\'');
        }
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM data_record WHERE id IN (" + ids + ")")) {
            result.next();
            return result.getInt(1);
        }
    }

    private static int rows(UUID id) throws Exception {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM data_record WHERE id = '" + id + "'")) {
            result.next();
            return result.getInt(1);
        }
    }
}
