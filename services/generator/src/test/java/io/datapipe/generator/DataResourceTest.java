package io.datapipe.generator;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;
import io.datapipe.testsupport.OpenApiDocuments;
import io.datapipe.testsupport.RawHttp;
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
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** POST /data through real HTTP, real signed tokens and a real broker. */
@HelidonTest
@Configuration(useExisting = true)
class DataResourceTest {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestTopology topology;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        topology = TestConfig.registerWithBroker("generator", Map.of());
    }

    @AfterAll
    static void cleanUp() {
        TestConfig.release(topology);
    }

    @BeforeEach
    void brokerIsReady() {
        await().atMost(Duration.ofSeconds(20)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        purge();
    }

    @Test
    void acceptsARecordOnlyOnceTheBrokerHasItAndPublishesItAsTheContractSays() throws Exception {
        Instant before = Instant.now().minusMillis(1);

        Response response = post(TOKENS.token("alice", "data.write"), "{\"informationOne\":\"aaa23\",\"informationTwo\":\"bbb24\"}");

        assertThat(response.getStatus()).isEqualTo(202);
        JsonNode body = JSON.readTree(response.readEntity(String.class));
        UUID id = UUID.fromString(body.get("id").asText());
        assertThat(id.version()).isEqualTo(7);
        assertThat(body.get("userId").asText()).isEqualTo("alice");
        assertThat(Instant.parse(body.get("receivedAt").asText())).isAfter(before);
        assertThat(response.getHeaderString("Location")).isEqualTo("/data/" + id);

        // The 202 came after the confirm, so the message is already in the queue.
        GetResponse message = take();
        assertThat(message).as("message on the queue when the 202 arrived").isNotNull();
        assertThat(message.getProps().getMessageId()).isEqualTo(id.toString());
        assertThat(message.getProps().getContentType()).isEqualTo("application/json");
        assertThat(message.getProps().getDeliveryMode()).isEqualTo(2);
        assertThat(message.getProps().getHeaders().get("user-id").toString()).isEqualTo("alice");
        RecordMessage record = RecordCodec.standard().decode(message.getBody());
        assertThat(record.id()).isEqualTo(id);
        assertThat(record.userId()).isEqualTo("alice");
        assertThat(record.payload().toString()).isEqualTo("{\"informationOne\":\"aaa23\",\"informationTwo\":\"bbb24\"}");
        assertThat(record.receivedAt()).isEqualTo(Instant.parse(body.get("receivedAt").asText()));
    }

    @Test
    void answersARetryWithTheSameIdempotencyKeyAsTheFirstTimeAndPublishesOnce() throws Exception {
        String token = TOKENS.token("alice", "data.write");
        String key = "order-" + UUID.randomUUID();

        Response first = post(token, "{\"a\":1}", key);
        Response retry = post(token, "{\"a\":1}", key);

        assertThat(first.getStatus()).isEqualTo(202);
        assertThat(retry.getStatus()).isEqualTo(202);
        String firstBody = first.readEntity(String.class);
        assertThat(retry.readEntity(String.class)).isEqualTo(firstBody);
        assertThat(retry.getHeaderString("Location")).isEqualTo(first.getHeaderString("Location"));
        assertThat(first.getHeaderString("Idempotent-Replayed")).isNull();
        assertThat(retry.getHeaderString("Idempotent-Replayed")).isEqualTo("true");
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(1);
        // Derived from the request, not minted: another replica answers a retry with the same id.
        UUID id = UUID.fromString(JSON.readTree(firstBody).get("id").asText());
        assertThat(id).isEqualTo(io.datapipe.contract.RecordIds.keyed(
                "alice", key, java.security.MessageDigest.getInstance("SHA-256").digest("{\"a\":1}".getBytes(StandardCharsets.UTF_8)), 0));
        assertThat(take().getProps().getMessageId()).isEqualTo(id.toString());
    }

    @Test
    void publishesOnceWhenRetriesWithOneKeyRace() throws Exception {
        String token = TOKENS.token("alice", "data.write");
        String key = "race-" + UUID.randomUUID();
        java.util.List<java.util.concurrent.CompletableFuture<String>> answers = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            answers.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                Response response = post(token, "{\"race\":true}", key);
                assertThat(response.getStatus()).isEqualTo(202);
                return response.readEntity(String.class);
            }));
        }

        assertThat(answers.stream().map(java.util.concurrent.CompletableFuture::join).distinct()).hasSize(1);
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(1);
    }

    @Test
    void refusesAnIdempotencyKeyReusedWithAnotherBody() {
        String token = TOKENS.token("alice", "data.write");
        String key = "reuse-" + UUID.randomUUID();
        assertThat(post(token, "{\"a\":1}", key).getStatus()).isEqualTo(202);

        assertProblem(post(token, "{\"a\":2}", key), 422);
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(1);
    }

    @Test
    void scopesIdempotencyKeysToTheCaller() {
        String key = "shared-" + UUID.randomUUID();
        Response alice = post(TOKENS.token("alice", "data.write"), "{\"a\":1}", key);
        Response bob = post(TOKENS.token("bob", "data.write"), "{\"a\":1}", key);

        assertThat(alice.getStatus()).isEqualTo(202);
        assertThat(bob.getStatus()).isEqualTo(202);
        assertThat(bob.readEntity(String.class)).isNotEqualTo(alice.readEntity(String.class));
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "tab\tkey", "é"})
    void refusesAMalformedIdempotencyKey(String key) {
        assertProblem(post(TOKENS.token("alice", "data.write"), "{\"a\":1}", key), 400);
        assertNothingPublished();
    }

    @Test
    void refusesARequestWithoutAToken() {
        Response response = target.path("/data").request()
                .post(Entity.entity("{\"a\":1}", MediaType.APPLICATION_JSON));

        assertProblem(response, 401);
        assertThat(response.getHeaderString("WWW-Authenticate")).startsWith("Bearer");
        assertNothingPublished();
    }

    @Test
    void refusesABadSignatureAnExpiredTokenAndAlgNone() {
        String stranger = TestTokens.stranger().token("alice", "data.write");
        Instant now = Instant.now();
        String expired = TOKENS.sign(TOKENS.builder("alice", "data.write")
                                             .issueTime(now.minusSeconds(3600)).notBefore(now.minusSeconds(3600))
                                             .expirationTime(now.minusSeconds(600)));
        String none = TestTokens.raw("{\"alg\":\"none\"}", TestTokens.claimsJson("alice", "[\"data.write\"]"), "");

        for (String token : new String[] {stranger, expired, none}) {
            String problem = assertProblem(post(token, "{\"a\":1}"), 401);
            assertThat(problem).doesNotContain(token);
        }
        assertNothingPublished();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> jwtAttacks() {
        return io.datapipe.testsupport.JwtAttacks.all(TOKENS, "data.write").entrySet().stream()
                .map(attack -> org.junit.jupiter.params.provider.Arguments.of(attack.getKey(), attack.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("jwtAttacks")
    void refusesHostileTokens(String attack, String token) {
        String problem = assertProblem(post(token, "{\"a\":1}"), 401);
        assertThat(problem).doesNotContain(token);
        String signature = token.substring(token.lastIndexOf('.') + 1);
        if (signature.length() >= 16) {
            assertThat(problem).doesNotContain(signature);
        }
        assertNothingPublished();
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> hostileBodies() {
        StringBuilder fields = new StringBuilder("{");
        for (int i = 0; i < 10_000; i++) {
            fields.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
        }
        StringBuilder someFields = new StringBuilder("{");
        for (int i = 0; i < 2_000; i++) {
            someFields.append(i == 0 ? "" : ",").append("\"f").append(i).append("\":1");
        }
        byte[] invalidUtf8 = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        return java.util.stream.Stream.of(
                org.junit.jupiter.params.provider.Arguments.of("100 000 levels of nesting",
                        ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.UTF_8), 413),
                org.junit.jupiter.params.provider.Arguments.of("30 000 levels of nesting within 64 KiB",
                        ("[".repeat(30_000) + "]".repeat(30_000)).getBytes(StandardCharsets.UTF_8), 400),
                org.junit.jupiter.params.provider.Arguments.of("a 10 MB body", new byte[10 * 1024 * 1024], 413),
                org.junit.jupiter.params.provider.Arguments.of("10 000 fields",
                        fields.append('}').toString().getBytes(StandardCharsets.UTF_8), 413),
                org.junit.jupiter.params.provider.Arguments.of("2 000 fields within 64 KiB",
                        someFields.append('}').toString().getBytes(StandardCharsets.UTF_8), 400),
                org.junit.jupiter.params.provider.Arguments.of("invalid UTF-8", invalidUtf8, 400),
                org.junit.jupiter.params.provider.Arguments.of("a 20 000-character string",
                        ("{\"a\":\"" + "x".repeat(20_000) + "\"}").getBytes(StandardCharsets.UTF_8), 400));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("hostileBodies")
    void refusesHostileBodiesAndStaysHealthy(String body, byte[] bytes, int status) throws Exception {
        // Sent over a plain socket: over the server's 1 MiB cap the server answers 413 and closes without
        // reading the rest, and an HTTP client still sending would report the reset instead of the answer.
        assertThat(send("/data", Map.of("Authorization", "Bearer " + TOKENS.token("alice", "data.write")), bytes))
                .isEqualTo(status);
        assertThat(target.path("/health/live").request().get().getStatus()).isEqualTo(200);
        assertNothingPublished();
    }

    @Test
    void refusesAHugeHeaderAndStaysHealthy() throws Exception {
        int status = send("/data", Map.of("Authorization", "Bearer " + TOKENS.token("alice", "data.write"),
                "X-Padding", "x".repeat(64 * 1024)), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(400);
        assertThat(target.path("/health/live").request().get().getStatus()).isEqualTo(200);
        assertNothingPublished();
    }

    @Test
    void refusesATokenWithoutTheWriteRole() {
        assertProblem(post(TOKENS.token("alice", "data.read"), "{\"a\":1}"), 403);
        assertNothingPublished();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":", "[1,2,3]", "\"text\"", "{\"a\":1}{\"b\":2}", "{\"a\":\"\\u0000\"}", ""})
    void refusesABodyThatIsNotOneJsonObject(String body) {
        assertProblem(post(TOKENS.token("alice", "data.write"), body), 400);
        assertNothingPublished();
    }

    @Test
    void refusesABodyOver64KiB() {
        String big = "{\"a\":\"" + "x".repeat(65 * 1024) + "\"}";
        Response response = post(TOKENS.token("alice", "data.write"), big);

        assertProblem(response, 413);
        assertNothingPublished();
    }

    @Test
    void refusesAnotherMediaType() {
        Response response = target.path("/data").request()
                .header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                .post(Entity.entity("{\"a\":1}", MediaType.TEXT_PLAIN));

        assertProblem(response, 415);
        assertNothingPublished();
    }

    @Test
    void answersAPathNoEndpointServesWithAProblem() {
        for (String path : new String[] {"/nope", "/health/nope", "/data-x"}) {
            Response response = target.path(path).request().get();

            assertProblem(response, 404);
        }
    }

    @Test
    void servesHealthMetricsAndOpenApi() {
        assertThat(target.path("/health/live").request().get().getStatus()).isEqualTo(200);
        String ready = target.path("/health/ready").request().get(String.class);
        assertThat(ready).contains("\"rabbitmq\"").contains("\"outgoing.records\":\"UP\"");
        assertThat(target.path("/metrics").request().get().getStatus()).isEqualTo(200);
        assertThat(target.path("/openapi").request().get(String.class)).contains("/data");
        JsonNode openApi = target.path("/openapi").request(MediaType.APPLICATION_JSON).get(JsonNode.class);
        String version = openApi.path("info").path("version").asText();
        assertThat(version).as("the build's version, not a literal").matches("\\d+\\.\\d+\\.\\d+.*")
                .isEqualTo(ConfigProvider.getConfig().getValue("datapipe.version", String.class));
        assertThat(OpenApiDocuments.unresolvedReferences(openApi)).isEmpty();
        assertThat(openApi.at("/components/schemas/Problem/properties/status/type").asText()).as("the shared Problem schema").isEqualTo("integer");
    }

    @Test
    void letsOnlyTheConsolesOriginPostAcrossOrigins() throws Exception {
        String console = "http://127.0.0.1:8080";

        HttpResponse<String> allowed = preflight(console);
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).contains(console);
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Methods")).contains("POST");
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Headers").orElse(""))
                .contains("authorization").contains("content-type").contains("idempotency-key");
        assertThat(allowed.headers().firstValue("Access-Control-Max-Age"))
                .as("the configured max age").contains(ConfigProvider.getConfig().getValue("cors.paths.0.max-age", String.class));

        HttpResponse<String> refused = preflight("http://127.0.0.1:9999");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();

        HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(target.getUri().resolve("/data"))
                .header("Origin", console)
                .header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                .header("Content-Type", MediaType.APPLICATION_JSON)
                .POST(HttpRequest.BodyPublishers.ofString("{\"from\":\"the console\"}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(202);
        assertThat(posted.headers().firstValue("Access-Control-Allow-Origin")).contains(console);
        assertThat(posted.headers().firstValue("Access-Control-Expose-Headers").orElse(""))
                .contains("Location").contains("Retry-After");
    }

    private HttpResponse<String> preflight(String origin) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(target.getUri().resolve("/data"))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The status the server answers a JSON request sent over a plain socket (see {@link RawHttp}). */
    private int send(String path, Map<String, String> headers, byte[] body) throws Exception {
        Map<String, String> all = new HashMap<>(headers);
        all.put("Content-Type", MediaType.APPLICATION_JSON);
        return RawHttp.status(target.getUri(), RawHttp.request("POST", target.getUri(), path, all, body),
                Duration.ofSeconds(10));
    }

    private Response post(String token, String body) {
        return post(token, body, null);
    }

    private Response post(String token, String body, String idempotencyKey) {
        jakarta.ws.rs.client.Invocation.Builder request = target.path("/data").request()
                .header("Authorization", "Bearer " + token);
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return request.post(Entity.entity(body.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON));
    }

    private static String assertProblem(Response response, int status) {
        assertThat(response.getStatus()).isEqualTo(status);
        assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
        String body = response.readEntity(String.class);
        assertThat(body).contains("\"status\":" + status).doesNotContain("Exception").doesNotContain("\tat ");
        return body;
    }

    private static void assertNothingPublished() {
        assertThat(BROKER.messageCount(topology.queue())).isZero();
    }

    private static GetResponse take() throws Exception {
        try (Connection connection = BROKER.connect("test-take"); Channel channel = connection.createChannel()) {
            return channel.basicGet(topology.queue(), true);
        }
    }

    private static void purge() {
        try (Connection connection = BROKER.connect("test-purge"); Channel channel = connection.createChannel()) {
            channel.queuePurge(topology.queue());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
