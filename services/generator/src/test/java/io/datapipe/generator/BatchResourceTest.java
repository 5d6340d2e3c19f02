package io.datapipe.generator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.GetResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** POST /data/batch through real HTTP, real signed tokens and a real broker. */
@HelidonTest
@Configuration(useExisting = true)
class BatchResourceTest {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestTopology topology;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        topology = TestConfig.registerWithBroker("batch", Map.of());
    }

    @AfterAll
    static void cleanUp() {
        TestConfig.release(topology);
    }

    @BeforeEach
    void brokerIsReady() throws Exception {
        await().atMost(Duration.ofSeconds(20)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        try (Connection connection = BROKER.connect("test-purge"); Channel channel = connection.createChannel()) {
            channel.queuePurge(topology.queue());
        }
    }

    @Test
    void acceptsABatchOnceTheBrokerHasEveryRecordAndAnswersTheIdsInOrder() throws Exception {
        String user = caller();
        // Multi-byte characters before a record: records are cut from the body by byte offsets.
        Response response = post(user, "[{\"n\":0,\"s\":\"h\u00e9llo \u2603\"}, {\"n\":1,\"nested\":{\"a\":[1,2]}},\n {\"n\":2}]", key());

        assertThat(response.getStatus()).isEqualTo(202);
        JsonNode body = JSON.readTree(response.readEntity(String.class));
        assertThat(body.get("userId").asText()).isEqualTo(user);
        List<String> ids = new ArrayList<>();
        body.get("ids").forEach(id -> ids.add(id.asText()));
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        // The rate limit counted records, and says its unit: a full bucket, less three records, refilled by at
        // most one between the request's arrival and the count of its records (the bucket holds no more than full).
        assertThat(response.getHeaderString("RateLimit-Policy")).endsWith("qu=\"records\"");
        assertThat(Long.parseLong(response.getHeaderString("RateLimit-Remaining")))
                .isLessThanOrEqualTo(Long.parseLong(response.getHeaderString("RateLimit-Limit")) - 2);

        // The 202 came after every confirm: all three are on the queue, one message each, in order.
        List<RecordMessage> published = takeAll();
        assertThat(published).extracting(r -> r.id().toString()).containsExactlyElementsOf(ids);
        assertThat(published).extracting(r -> r.payload().get("n").asInt()).containsExactly(0, 1, 2);
        assertThat(published.get(0).payload().get("s").asText()).isEqualTo("h\u00e9llo \u2603");
        assertThat(published.get(1).payload().toString()).isEqualTo("{\"n\":1,\"nested\":{\"a\":[1,2]}}");
        assertThat(published).allSatisfy(r -> {
            assertThat(r.userId()).isEqualTo(user);
            assertThat(r.receivedAt().toString()).isEqualTo(body.get("receivedAt").asText());
        });
    }

    @Test
    void answersARetryWithTheSameKeyWithTheSameIdsAndPublishesOnce() throws Exception {
        String user = caller();
        String key = key();
        Response first = post(user, "[{\"a\":1},{\"a\":2}]", key);
        Response retry = post(user, "[{\"a\":1},{\"a\":2}]", key);

        assertThat(first.getStatus()).isEqualTo(202);
        assertThat(retry.getStatus()).isEqualTo(202);
        assertThat(retry.readEntity(String.class)).isEqualTo(first.readEntity(String.class));
        assertThat(retry.getHeaderString("Idempotent-Replayed")).isEqualTo("true");
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(2);
        assertThat(post(user, "[{\"a\":1},{\"a\":3}]", key).getStatus()).isEqualTo(422);
    }

    @Test
    void refusesTheWholeBatchNamingEveryRefusedRecordAndPublishesNothing() throws Exception {
        String body = "[{\"ok\":1}, [1], {\"ok\":2}, {\"a\":1,\"a\":2}, {\"big\":\"" + "x".repeat(70_000) + "\"}, \"text\", {\""
                + "x".repeat(50_001) + "\":1}]";

        Response response = post(caller(), body, key());

        JsonNode problem = assertProblem(response, 400);
        assertThat(problem.get("reason").asText()).isEqualTo("INVALID_RECORDS");
        List<String> refused = new ArrayList<>();
        problem.get("errors").forEach(e -> refused.add(e.get("index").asInt() + ":" + e.get("reason").asText()));
        assertThat(refused).containsExactly("1:NOT_AN_OBJECT", "3:DUPLICATE_FIELD", "4:TOO_LARGE", "5:NOT_AN_OBJECT",
                                           "6:STRING_TOO_LONG");
        assertThat(problem.toString()).doesNotContain("xxxx");
        assertNothingPublished();
    }

    @Test
    void refusesWhatIsNotABatch() throws Exception {
        String user = caller();
        assertThat(assertProblem(post(user, "{\"a\":1}", key()), 400).get("reason").asText()).isEqualTo("NOT_AN_ARRAY");
        assertThat(assertProblem(post(user, "[]", key()), 400).get("reason").asText()).isEqualTo("EMPTY_BATCH");
        assertThat(assertProblem(post(user, "[{\"a\":1}", key()), 400).get("reason").asText()).isEqualTo("MALFORMED");
        assertThat(assertProblem(post(user, "[{\"a\":1} {\"a\":2}]", key()), 400).get("reason").asText()).isEqualTo("MALFORMED");
        JsonNode broken = assertProblem(post(user, "[{\"a\":1}, {\"a\" 2}]", key()), 400);
        assertThat(broken.get("reason").asText()).isEqualTo("INVALID_RECORDS");
        assertThat(broken.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(assertProblem(post(user, "[{\"a\":1}] x", key()), 400).get("reason").asText()).isEqualTo("MALFORMED");
        JsonNode deep = assertProblem(post(user, "[{\"a\":1}," + "[".repeat(100) + "]".repeat(100) + "]", key()), 400);
        assertThat(deep.get("errors").get(0).get("index").asInt()).isEqualTo(1);
        assertThat(assertProblem(post(user, records(501), key()), 400).get("reason").asText()).isEqualTo("TOO_MANY_RECORDS");
        assertThat(assertProblem(post(user, "[{\"a\":1}]", null), 400).get("reason").asText())
                .isEqualTo("IDEMPOTENCY_KEY_REQUIRED");
        assertNothingPublished();
    }

    @Test
    void countsRecordsAgainstTheCallersLimit() throws Exception {
        String user = caller();
        // The caller's burst is 500 records: one full batch passes, the next full one is over the limit.
        assertThat(post(user, records(500), key()).getStatus()).isEqualTo(202);
        long queued = BROKER.messageCount(topology.queue());

        Response over = post(user, records(500), key());

        assertProblem(over, 429);
        assertThat(over.getHeaderString("Retry-After")).isNotNull();
        assertThat(Long.parseLong(over.getHeaderString("RateLimit-Remaining"))).isLessThan(500);
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(queued);
        // Another caller has a budget of their own.
        assertThat(post(caller(), records(10), key()).getStatus()).isEqualTo(202);
    }

    @Test
    void answers503WhenTheBrokerRefusesPartOfABatchAndARetryPublishesTheSameIds() throws Exception {
        String user = caller();
        String key = key();
        String body = records(5);
        // A second queue on the route that takes 2 messages and refuses more: the broker nacks the rest of the
        // batch (and still puts it on the other queue). Exclusive: it goes when this connection closes.
        String limited = topology.queue() + ".limited";
        try (Connection connection = BROKER.connect("test-limited"); Channel channel = connection.createChannel()) {
            channel.queueDeclare(limited, false, true, false, Map.of("x-max-length", 2, "x-overflow", "reject-publish"));
            channel.queueBind(limited, topology.exchange(), topology.routingKey());
            Response refused = post(user, body, key);

            assertProblem(refused, 503);
            assertThat(refused.getHeaderString("Retry-After")).isEqualTo("5");
        }
        List<String> firstAttempt = takeAll().stream().map(r -> r.id().toString()).toList();
        assertThat(firstAttempt).as("the part of the batch the broker took").hasSize(5);

        Response retry = post(user, body, key);

        assertThat(retry.getStatus()).isEqualTo(202);
        List<String> ids = new ArrayList<>();
        JSON.readTree(retry.readEntity(String.class)).get("ids").forEach(id -> ids.add(id.asText()));
        assertThat(takeAll()).extracting(r -> r.id().toString()).containsExactlyElementsOf(ids);
        assertThat(ids).as("the retry publishes the ids of the first attempt: the persister stores each once")
                .containsExactlyElementsOf(firstAttempt);
    }

    @Test
    void documentsTheBatchInOpenApi() {
        assertThat(target.path("/openapi").request().get(String.class))
                .contains("/data/batch:").contains("Accept a batch of records").contains("maxItems: 500");
    }

    private static String records(int count) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < count; i++) {
            body.append(i == 0 ? "" : ",").append("{\"n\":").append(i).append('}');
        }
        return body.append(']').toString();
    }

    private static String caller() {
        return "batch-" + UUID.randomUUID();
    }

    private static String key() {
        return "batch-" + UUID.randomUUID();
    }

    private Response post(String user, String body, String key) {
        jakarta.ws.rs.client.Invocation.Builder request = target.path("/data/batch").request()
                .header("Authorization", "Bearer " + TOKENS.token(user, "data.write"));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return request.post(Entity.entity(body.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON));
    }

    private static JsonNode assertProblem(Response response, int status) throws Exception {
        assertThat(response.getStatus()).isEqualTo(status);
        assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
        String body = response.readEntity(String.class);
        assertThat(body).contains("\"status\":" + status).doesNotContain("Exception").doesNotContain("\tat ");
        return JSON.readTree(body);
    }

    private static void assertNothingPublished() {
        assertThat(BROKER.messageCount(topology.queue())).isZero();
    }

    private static List<RecordMessage> takeAll() throws Exception {
        List<RecordMessage> messages = new ArrayList<>();
        try (Connection connection = BROKER.connect("test-take"); Channel channel = connection.createChannel()) {
            for (GetResponse message = channel.basicGet(topology.queue(), true); message != null;
                 message = channel.basicGet(topology.queue(), true)) {
                messages.add(RecordCodec.standard().decode(message.getBody()));
            }
        }
        return messages;
    }
}
