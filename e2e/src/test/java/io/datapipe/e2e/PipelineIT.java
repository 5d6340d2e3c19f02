package io.datapipe.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole pipeline as it runs for real: generator, persister and web as separate processes, the
 * broker and a database between them, tokens signed by a key the services only know as a JWKS.
 */
class PipelineIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestTopology topology;
    private static TestDatabase database;
    private static ServiceProcess generator;
    /** A second generator replica: it shares nothing with the first but the broker. */
    private static ServiceProcess otherGenerator;
    private static ServiceProcess persister;
    private static ServiceProcess web;

    @BeforeAll
    static void start() throws Exception {
        topology = BROKER.topology("e2e");
        database = TestPostgres.get().createDatabase("e2e");
        Map<String, String> messaging = TestConfig.messaging(BROKER, topology);

        Map<String, String> persisterConfig = new HashMap<>(messaging);
        persisterConfig.putAll(database.serviceConfig());
        persisterConfig.putAll(TOKENS.serviceConfig());
        persister = ServiceProcess.start("persister", persisterConfig);

        Map<String, String> generatorConfig = new HashMap<>(messaging);
        generatorConfig.putAll(TOKENS.serviceConfig());
        generator = ServiceProcess.start("generator", generatorConfig);
        otherGenerator = ServiceProcess.start("generator", generatorConfig);

        Map<String, String> webConfig = new HashMap<>(database.serviceConfig());
        webConfig.putAll(TOKENS.serviceConfig());
        webConfig.put("datapipe.web.cursor-secret", "an-end-to-end-cursor-secret-of-32+bytes");
        web = ServiceProcess.start("web", webConfig);

        // The persister migrates the schema; web reports ready once the database answers.
        persister.awaitReady();
        generator.awaitReady();
        otherGenerator.awaitReady();
        web.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : new ServiceProcess[] {generator, otherGenerator, persister, web}) {
            if (service != null) {
                service.close();
            }
        }
        if (topology != null) {
            topology.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void aRecordPostedByAliceIsReadByAliceAndByNobodyElse() throws Exception {
        String payload = "{\"informationOne\":\"aaa23\",\"informationTwo\":\"bbb24\"}";

        HttpResponse<String> accepted = HTTP.send(
                HttpRequest.newBuilder(generator.uri("/data"))
                        .header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(payload))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = JSON.readTree(accepted.body()).get("id").asText();
        assertThat(accepted.headers().firstValue("Location")).contains("/data/" + id);

        String alice = TOKENS.token("alice", "data.read");
        JsonNode record = await("the record in alice's GET /data").atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> firstItem(get("/data", alice)), item -> item != null && item.get("id").asText().equals(id));
        assertThat(record.get("payload").get("informationOne").asText()).isEqualTo("aaa23");
        assertThat(record.get("payload").get("informationTwo").asText()).isEqualTo("bbb24");

        HttpResponse<String> byId = get("/data/" + id, alice);
        assertThat(byId.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(byId.body()).get("id").asText()).isEqualTo(id);

        String bob = TOKENS.token("bob", "data.read");
        HttpResponse<String> bobsList = get("/data", bob);
        assertThat(bobsList.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(bobsList.body()).get("items")).isEmpty();
        HttpResponse<String> bobById = get("/data/" + id, bob);
        assertThat(bobById.statusCode()).isEqualTo(404);
        assertThat(bobById.body()).doesNotContain("aaa23");
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyOnAnotherReplicaAnswersTheSameIdsAndIsStoredOnce() throws Exception {
        String token = TOKENS.token("carol", "data.write");
        String key = "replicas-" + java.util.UUID.randomUUID();
        String batchKey = "replicas-batch-" + java.util.UUID.randomUUID();

        HttpResponse<String> first = post(generator, "/data", token, key, "{\"replica\":1}");
        HttpResponse<String> retry = post(otherGenerator, "/data", token, key, "{\"replica\":1}");
        HttpResponse<String> firstBatch = post(generator, "/data/batch", token, batchKey, "[{\"b\":1},{\"b\":2}]");
        HttpResponse<String> retriedBatch = post(otherGenerator, "/data/batch", token, batchKey, "[{\"b\":1},{\"b\":2}]");

        assertThat(List.of(first, retry, firstBatch, retriedBatch)).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(202));
        String id = JSON.readTree(first.body()).get("id").asText();
        assertThat(JSON.readTree(retry.body()).get("id").asText()).isEqualTo(id);
        assertThat(retry.headers().firstValue("Idempotent-Replayed")).as("the other replica had not seen the key").isEmpty();
        JsonNode ids = JSON.readTree(firstBatch.body()).get("ids");
        assertThat(JSON.readTree(retriedBatch.body()).get("ids")).isEqualTo(ids);

        // Published twice each, stored once each: carol has exactly three records.
        String carol = TOKENS.token("carol", "data.read");
        JsonNode items = await("carol's three records").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> JSON.readTree(get("/data", carol).body()).get("items"), found -> found.size() >= 3);
        List<String> stored = new java.util.ArrayList<>();
        items.forEach(item -> stored.add(item.get("id").asText()));
        assertThat(stored).containsExactlyInAnyOrder(id, ids.get(0).asText(), ids.get(1).asText());
    }

    @Test
    void aRejectedPostPublishesNothing() throws Exception {
        long queued = BROKER.messageCount(topology.queue());
        for (String body : List.of("{\"a\":", "[1,2]", "{\"a\":\"" + "x".repeat(70_000) + "\"}")) {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(generator.uri("/data"))
                            .header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isBetween(400, 499);
            assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        }
        assertThat(BROKER.messageCount(topology.queue())).isEqualTo(queued);
        assertThat(Files.readString(generator.log())).doesNotContain("SEVERE");
    }

    private static HttpResponse<String> post(ServiceProcess replica, String path, String token, String key, String body)
            throws Exception {
        return HTTP.send(HttpRequest.newBuilder(replica.uri(path))
                                 .header("Authorization", "Bearer " + token)
                                 .header("Content-Type", "application/json")
                                 .header("Idempotency-Key", key)
                                 .POST(HttpRequest.BodyPublishers.ofString(body))
                                 .build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(web.uri(path)).header("Authorization", "Bearer " + token).GET().build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode firstItem(HttpResponse<String> response) throws Exception {
        if (response.statusCode() != 200) {
            return null;
        }
        JsonNode items = JSON.readTree(response.body()).get("items");
        return items.isEmpty() ? null : items.get(0);
    }
}
