package io.datapipe.e2e;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

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
 * steady load, both Deployments roll at once, as a release's sync rolls them, each replacing its replicas one
 * at a time as its rolling update does (maxSurge 1, maxUnavailable 0: the new replica starts and becomes ready,
 * then the old one gets SIGTERM and exits while the next new one starts), and the table ends with exactly the
 * records accepted. A POST retried
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
            // A release's sync rolls both Deployments at once.
            try (ExecutorService rollouts = Executors.newCachedThreadPool()) {
                Future<List<Integer>> generatorExits = rollouts.submit(
                        () -> roll(rollouts, generators, () -> pipeline.startGenerator(Map.of()), posts::add, posts::remove));
                List<Integer> persisterExits = roll(rollouts, persisters, () -> pipeline.startPersister(Map.of()), p -> { }, p -> { });
                assertThat(generatorExits.get()).as("generator exit statuses after SIGTERM").allSatisfy(s -> assertThat(s).isIn(0, 143));
                assertThat(persisterExits).as("persister exit statuses after SIGTERM").allSatisfy(s -> assertThat(s).isIn(0, 143));
            }
            posts.awaitAccepted(posts.accepted() + 300);
            posts.stop();

            Set<UUID> accepted = new HashSet<>(posts.awaitAll().values());
            accepted.add(first);
            pipeline.assertExactly(accepted, DEADLINE);
        }
    }

    /** Starts a new replica, not ready yet. */
    private interface Start {
        ServiceProcess start() throws IOException;
    }

    /**
     * Replaces every replica in turn as a Deployment's rolling update with maxSurge 1 and maxUnavailable 0 does:
     * the new one starts, becomes ready and takes requests; then the old one stops taking them and gets SIGTERM
     * (what it holds, it answers; its batch in flight is stored and acknowledged), exiting while the next new
     * one starts.
     *
     * @param background  where the old replicas' exits are awaited
     * @param replicas    the running replicas, replaced in place
     * @param start       starts a new replica
     * @param intoService the Service starts sending it requests
     * @param outOfService the Service stops sending it requests
     * @return the old replicas' exit statuses
     */
    private static List<Integer> roll(ExecutorService background, List<ServiceProcess> replicas, Start start,
                                      Consumer<ServiceProcess> intoService, Consumer<ServiceProcess> outOfService) throws Exception {
        List<Future<Integer>> exits = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            ServiceProcess replacement = start.start();
            replacement.awaitReady();
            intoService.accept(replacement);
            ServiceProcess old = replicas.set(i, replacement);
            outOfService.accept(old);
            exits.add(background.submit(old::terminate));
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<Integer> exit : exits) {
            statuses.add(exit.get());
        }
        return statuses;
    }

    private static UUID accepted(ServiceProcess generator, String token) throws Exception {
        HttpResponse<String> response = HTTP.send(RecordPosts.request(generator, token, "retried-elsewhere", Duration.ofSeconds(10)),
                                                  HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return UUID.fromString(new ObjectMapper().readTree(response.body()).get("id").asText());
    }
}
