package io.datapipe.persister;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.datapipe.contract.BoundedJson;
import io.datapipe.contract.JsonLimits;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;
import io.datapipe.store.SchemaMigration;
import io.datapipe.testsupport.MainProcess;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.WebTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The persister as Kubernetes starts it, {@code datapipe.db.migrate=false}, against a database that the
 * release's migration Job has not migrated yet (the hook skipped, or not run yet): not ready, its
 * {@code schema} check saying what is pending; a record it consumes meanwhile is retried, held
 * unacknowledged and not dead-lettered. Once {@link SchemaMigration#main} has run, as the Job runs it,
 * the same pod becomes ready and stores the record. Real broker, real database of its own.
 */
@HelidonTest
@Configuration(useExisting = true)
class SchemaBehindTest {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RETRIES = Pattern.compile("(?m)^datapipe_persister_db_retries_total(?:\\{[^}]*})? (\\S+)$");
    /** Started as in Kubernetes (no migration at start), with short retries. */
    private static PersisterResources resources;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        resources = PersisterResources.register(BROKER, "schemabehind", Map.of("datapipe.db.migrate", "false",
                                                                                "datapipe.persister.retry-max-delay-ms", "500"));
    }

    @AfterAll
    static void cleanUp() {
        resources.close();
    }

    @Test
    void isNotReadyAndHoldsWhatItConsumesUntilTheMigrationHasRunThenStoresIt() throws Exception {
        TestTopology topology = resources.topology();
        TestDatabase database = resources.database();
        JsonNode schema = await().atMost(Duration.ofSeconds(30)).until(() -> readinessCheck("schema"),
                check -> check != null && "DOWN".equals(check.path("status").asText()));
        assertThat(schema.at("/data/pending").asInt()).isPositive();
        assertThat(readinessCheck("startup").path("status").asText()).isEqualTo("UP");

        RecordMessage record = new RecordMessage(RecordIds.next(), "alice",
                                                 new BoundedJson(JsonLimits.PAYLOAD).parseObject("{\"early\":true}".getBytes(StandardCharsets.UTF_8)),
                                                 Instant.now().truncatedTo(ChronoUnit.MILLIS));
        try (com.rabbitmq.client.Connection connection = BROKER.connect("test-publish");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            channel.basicPublish(topology.exchange(), topology.routingKey(), true,
                                 new AMQP.BasicProperties.Builder().deliveryMode(2).contentType("application/json")
                                         .messageId(record.id().toString()).build(),
                                 RecordCodec.standard().encode(record));
            channel.waitForConfirmsOrDie(10_000);
        }
        // Consumed, written against the missing table, and retried: held, not dead-lettered.
        await().atMost(Duration.ofSeconds(30)).until(() -> retries() >= 2);
        assertThat(BROKER.messageCount(topology.queue())).as("ready in the queue").isZero();
        assertThat(BROKER.messageCount(topology.deadLetterQueue())).as("dead-lettered").isZero();
        assertThat(target.path("/health/ready").request().get().getStatus()).isEqualTo(503);

        MainProcess migration = MainProcess.run(SchemaMigration.class,
                                                Map.of("DATAPIPE_DB_URL", database.jdbcUrl(), "DATAPIPE_DB_USER", database.user(),
                                                       "DATAPIPE_DB_PASSWORD", database.password()),
                                                Duration.ofSeconds(60));
        assertThat(migration.status()).as(migration.output()).isZero();

        await().atMost(Duration.ofSeconds(30)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        await().atMost(Duration.ofSeconds(30)).until(() -> stored(record));
        assertThat(BROKER.messageCount(topology.deadLetterQueue())).as("dead-lettered").isZero();
    }

    /** A check of /health/ready by name, or null while it is not reported. */
    private JsonNode readinessCheck(String name) throws Exception {
        JsonNode health = JSON.readTree(target.path("/health/ready").request().get().readEntity(String.class));
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        return null;
    }

    private double retries() {
        Matcher counter = RETRIES.matcher(target.path("/metrics").request("text/plain").get(String.class));
        return counter.find() ? Double.parseDouble(counter.group(1)) : 0;
    }

    private static boolean stored(RecordMessage record) throws Exception {
        try (Connection connection = resources.database().connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM data_record WHERE id = '" + record.id() + "'")) {
            return result.next() && result.getInt(1) == 1;
        }
    }
}
