package io.datapipe.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import io.datapipe.testsupport.RabbitMqCluster;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestTokens;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A broker resource alarm: the node runs short of memory and blocks every publishing connection
 * ({@code connection.blocked}). The generator answers {@code 503} with {@code Retry-After} (never a request
 * that hangs past its confirm timeout), its readiness says why, and once the alarm clears it accepts again.
 * The alarm is raised on a node of the test's own ({@link RabbitMqCluster}) by lowering its memory high
 * watermark, never on the shared broker.
 */
class BrokerAlarmIT {

    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(2);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static RabbitMqCluster broker;

    @BeforeAll
    static void startNode() {
        RabbitMqCluster.unavailableBecause().ifPresent(reason -> {
            throw new IllegalStateException("the resource alarm test needs a local RabbitMQ node: " + reason);
        });
        broker = RabbitMqCluster.start("alarm", 1);
    }

    @AfterAll
    static void stopNode() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aMemoryAlarmIsAnswered503WithRetryAfterAndReadinessSaysWhyUntilItClears() throws Exception {
        RabbitMqCluster.Node node = broker.nodes().get(0);
        try (Pipeline pipeline = new Pipeline(broker.broker(), TestPostgres.get(), "alarm")) {
            ServiceProcess generator = pipeline.persisterAndGenerator().generator();
            String token = TestTokens.get().token("alice", "data.write");
            UUID before = accepted(post(generator, token, "before"));

            broker.memoryHighWatermark(node, 0.0001);
            // The first publish may already be on the wire when the broker blocks: it fails at the confirm
            // timeout. Every answer is a 503 with Retry-After, none later than the timeout (the client's own
            // timeout, a little longer, would fail this test).
            assertRefused(post(generator, token, "during-0"));
            await().atMost(Duration.ofSeconds(30)).until(() -> readiness(generator).contains("blocks publishing"));
            assertThat(readiness(generator)).as("readiness").contains("BLOCKED").contains("memory");
            for (int i = 1; i <= 5; i++) {
                assertRefused(post(generator, token, "during-" + i));
            }
            assertThat(generator.metric("datapipe_rabbitmq_published_total", "outcome=\"blocked\"").orElse(0))
                    .as("publishes refused at once while blocked").isGreaterThanOrEqualTo(5);

            broker.memoryHighWatermark(node, 0.4);
            await().atMost(Duration.ofSeconds(30)).until(() -> generator.statusOf("/health/ready") == 200);
            UUID after = accepted(post(generator, token, "after"));

            // What was accepted is stored; a refused record was never reported as accepted. (A publish already
            // on the wire when the alarm was raised may still be stored once the broker reads it: its client
            // got a 503 and retries it with its Idempotency-Key.)
            await().atMost(Duration.ofSeconds(60)).until(() -> pipeline.rows() >= 2);
            assertThat(pipeline.storedIds()).contains(before, after);
        }
    }

    private static HttpResponse<String> post(ServiceProcess generator, String token, String key) throws Exception {
        HttpRequest request = RecordPosts.request(generator, token, key, CONFIRM_TIMEOUT.plusSeconds(3));
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static UUID accepted(HttpResponse<String> response) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return UUID.fromString(JSON.readTree(response.body()).get("id").asText());
    }

    private static void assertRefused(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).as("Retry-After").isPresent();
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    private static String readiness(ServiceProcess generator) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(generator.uri("/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                         HttpResponse.BodyHandlers.ofString()).body();
    }
}
