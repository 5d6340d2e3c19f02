package io.datapipe.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several replicas of each service at once, as the Deployments run them: two generators behind one address
 * (each attempt of a client goes to the next replica) and three persisters competing for the queue. Under a
 * steady load, every replica is replaced one at a time as a rollout does (SIGTERM, wait for the exit, start
 * the new one, wait until it is ready), and the table ends with exactly the records accepted. A POST retried
 * with its {@code Idempotency-Key} on the other generator replica answers the same id and is stored once.
 */
class ReplicasIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final Duration DEADLINE = Duration.ofSeconds(180);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private Pipeline pipeline;

    @BeforeEach
    void setUp() {
        pipeline = new Pipeline(BROKER, TestPostgres.get(), "replicas");
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
    }

    @Test
    void rollingRestartsUnderLoadAndARetryOnTheOtherGeneratorLoseAndDuplicateNothing() throws Exception {
        List<ServiceProcess> persisters = new ArrayList<>();
        List<ServiceProcess> generators = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            persisters.add(pipeline.startPersister(Map.of()));
        }
        for (int i = 0; i < 2; i++) {
            generators.add(pipeline.startGenerator(Map.of()));
        }
        persisters.forEach(ServiceProcess::awaitReady);
        generators.forEach(ServiceProcess::awaitReady);
        String token = TestTokens.get().token("alice", "data.write");

        // A client retries on the other replica (its first answer was lost, or a rollout moved it).
        UUID first = accepted(generators.get(0), token);
        assertThat(accepted(generators.get(1), token)).as("the id the other replica answers").isEqualTo(first);

        // More than the restarts take at this rate: the posts stop once the last replica is replaced.
        int records = 60_000;
        try (RecordPosts posts = RecordPosts.start(generators, token, records, 8, 150, DEADLINE)) {
            posts.awaitAccepted(500);
            for (int i = 0; i < generators.size(); i++) {
                ServiceProcess old = generators.get(i);
                // The Service stops sending it requests (readiness down on SIGTERM); what it holds, it answers.
                posts.remove(old);
                assertThat(old.terminate()).as("generator exit status after SIGTERM").isIn(0, 143);
                ServiceProcess replacement = pipeline.startGenerator(Map.of());
                replacement.awaitReady();
                posts.add(replacement);
                generators.set(i, replacement);
            }
            for (int i = 0; i < persisters.size(); i++) {
                assertThat(persisters.get(i).terminate()).as("persister exit status after SIGTERM").isIn(0, 143);
                ServiceProcess replacement = pipeline.startPersister(Map.of());
                replacement.awaitReady();
                persisters.set(i, replacement);
            }
            posts.awaitAccepted(posts.accepted() + 300);
            posts.stop();

            Set<UUID> accepted = new HashSet<>(posts.awaitAll().values());
            accepted.add(first);
            pipeline.assertExactly(accepted, DEADLINE);
        }
    }

    private static UUID accepted(ServiceProcess generator, String token) throws Exception {
        HttpResponse<String> response = HTTP.send(RecordPosts.request(generator, token, "retried-elsewhere", Duration.ofSeconds(10)),
                                                  HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return UUID.fromString(new ObjectMapper().readTree(response.body()).get("id").asText());
    }
}
