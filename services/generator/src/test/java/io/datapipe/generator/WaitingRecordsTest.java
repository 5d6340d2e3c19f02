package io.datapipe.generator;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import jakarta.inject.Inject;
import jakarta.ws.rs.client.WebTarget;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Many more records at once than may wait for the broker ({@code datapipe.publish.max-waiting-records}, here 4,
 * with the connector keeping 2 unconfirmed): every request waits for room and is accepted, none is refused because
 * the emitter's buffer was full for a moment. Through real HTTP, real signed tokens and a real broker.
 */
@HelidonTest
@Configuration(useExisting = true)
class WaitingRecordsTest {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final int MAX_WAITING = 4;
    private static final int SINGLES = 64;
    private static final int BATCHES = 8;
    private static TestTopology topology;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        topology = TestConfig.registerWithBroker("waiting", Map.of(
                "datapipe.publish.max-waiting-records", Integer.toString(MAX_WAITING),
                "datapipe.generator.batch.max-records", Integer.toString(MAX_WAITING),
                "mp.messaging.outgoing.records.max-in-flight", Integer.toString(MAX_WAITING / 2),
                // The caller's bucket does not interfere: every record here is within its burst.
                "datapipe.ratelimit.user.capacity", "10000"));
    }

    @AfterAll
    static void cleanUp() {
        TestConfig.release(topology);
    }

    @Test
    void acceptsEveryRecordOfManyMoreConcurrentRequestsThanMayWaitForTheBroker() throws Exception {
        // The test's own queue, empty until now: every message on it comes from these requests.
        await().atMost(Duration.ofSeconds(20)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        URI base = target.getUri();
        String token = TOKENS.token("waiting-" + UUID.randomUUID(), "data.write");
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < SINGLES; i++) {
            requests.add(post(base.resolve("/data"), token, null, "{\"n\":" + i + "}"));
        }
        // Batches that need every permit at once, among the single records: a fair wait lets them in too.
        for (int i = 0; i < BATCHES; i++) {
            requests.add(post(base.resolve("/data/batch"), token, "waiting-" + UUID.randomUUID(),
                              "[{\"b\":" + i + "},{\"b\":" + i + "},{\"b\":" + i + "},{\"b\":" + i + "}]"));
        }
        List<Integer> statuses = new ArrayList<>();
        Set<String> refusals = new TreeSet<>();
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
             ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (HttpRequest request : requests) {
                answers.add(callers.submit(() -> {
                    start.await();
                    return http.send(request, HttpResponse.BodyHandlers.ofString());
                }));
            }
            start.countDown();
            for (Future<HttpResponse<String>> answer : answers) {
                HttpResponse<String> response = answer.get();
                statuses.add(response.statusCode());
                if (response.statusCode() != 202) {
                    refusals.add(response.statusCode() + " " + response.body());
                }
            }
        }
        Map<Integer, Long> byStatus = statuses.stream()
                .collect(Collectors.groupingBy(Function.identity(), TreeMap::new, Collectors.counting()));
        System.out.println("WaitingRecordsTest: " + requests.size() + " requests answered " + byStatus + refusals);

        assertThat(byStatus).as("answers by status (refusals: %s)", refusals).isEqualTo(Map.of(202, (long) requests.size()));
        int records = SINGLES + BATCHES * MAX_WAITING;
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(BROKER.messageCount(topology.queue())).isEqualTo(records));
    }

    private static HttpRequest post(URI uri, String token, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return request.build();
    }
}
