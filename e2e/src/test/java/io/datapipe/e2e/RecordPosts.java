package io.datapipe.e2e;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.datapipe.testsupport.ServiceProcess;

import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Callers posting records through the generator as a client that wants exactly-once does: each record
 * with its own {@code Idempotency-Key}, retried after a 503 (or 429, or a connection refused) until it is
 * accepted. With several generator replicas, each attempt goes to the next replica, as a load balancer
 * spreads retries; a replica being restarted is taken out of the list and put back.
 */
final class RecordPosts implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<ServiceProcess> generators;
    private final String token;
    private final Duration deadline;
    private final HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor())
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService clients;
    private final Map<String, UUID> accepted = new ConcurrentHashMap<>();
    private final List<Future<?>> posts = new ArrayList<>();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger started = new AtomicInteger();
    private volatile boolean stopped;

    private RecordPosts(List<ServiceProcess> generators, String token, int clients, Duration deadline) {
        this.generators = new CopyOnWriteArrayList<>(generators);
        this.token = token;
        this.deadline = deadline;
        this.clients = Executors.newFixedThreadPool(clients);
    }

    /**
     * Starts posting records {@code record-0} to {@code record-<count-1>} from a few concurrent clients.
     *
     * @param generators the replicas to spread attempts over
     * @param token      a token with {@code data.write}
     * @param count      how many records
     * @param clients    concurrent clients
     * @param perSecond  at most this many new records a second (a steady stream, so that faults land mid-stream)
     * @param deadline   how long one record may take to be accepted
     * @return the running posts
     */
    static RecordPosts start(List<ServiceProcess> generators, String token, int count, int clients, int perSecond,
                             Duration deadline) {
        RecordPosts posts = new RecordPosts(generators, token, clients, deadline);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            String key = "record-" + i;
            long due = start + (long) (i * 1e9 / perSecond);
            posts.posts.add(posts.clients.submit(() -> {
                while (!posts.stopped && System.nanoTime() < due) {
                    pause(Math.min(50, Math.max(1, (due - System.nanoTime()) / 1_000_000)));
                }
                if (!posts.stopped) {
                    posts.started.incrementAndGet();
                    posts.accepted.put(key, posts.postUntilAccepted(key));
                }
            }));
        }
        return posts;
    }

    /** Takes a replica out of the rotation (before it is stopped). */
    void remove(ServiceProcess generator) {
        generators.remove(generator);
    }

    /** Puts a (restarted, ready) replica into the rotation. */
    void add(ServiceProcess generator) {
        generators.add(generator);
    }

    /** Posts no record that has not started yet; those that have are still retried until accepted. */
    void stop() {
        stopped = true;
    }

    /** @return how many records are accepted so far */
    int accepted() {
        return accepted.size();
    }

    /** @return how many attempts were answered 503 (or 429) so far */
    int refusals() {
        return unavailable.get();
    }

    /**
     * Waits until this many records are accepted, failing at once if a client failed.
     *
     * @param count the number of accepted records
     */
    void awaitAccepted(int count) {
        await().atMost(deadline).pollInterval(Duration.ofMillis(100)).until(() -> failFast() && accepted.size() >= count);
    }

    /**
     * Waits until every record is accepted (every record that started, after {@link #stop()}).
     *
     * @return record key to accepted id
     */
    Map<String, UUID> awaitAll() throws Exception {
        for (Future<?> post : posts) {
            post.get();
        }
        assertThat(accepted).hasSize(stopped ? started.get() : posts.size());
        return Map.copyOf(accepted);
    }

    /** Surfaces at once a client that failed, instead of waiting for a count it will never reach. */
    private boolean failFast() throws Exception {
        for (Future<?> post : posts) {
            if (post.isDone()) {
                post.get();
            }
        }
        return true;
    }

    private UUID postUntilAccepted(String key) {
        long end = System.nanoTime() + deadline.toNanos();
        int attempt = Math.floorMod(key.hashCode(), 7);
        while (System.nanoTime() < end) {
            List<ServiceProcess> replicas = List.copyOf(generators);
            if (replicas.isEmpty()) {
                pause(100);
                continue;
            }
            ServiceProcess generator = replicas.get(Math.floorMod(attempt++, replicas.size()));
            HttpRequest request = request(generator, token, key, Duration.ofSeconds(20));
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202) {
                    return UUID.fromString(JSON.readTree(response.body()).get("id").asText());
                }
                // 503 while the broker is away (or 429 over a limit): try again, as a client should.
                assertThat(response.statusCode()).as(response.body()).isIn(429, 503);
                assertThat(response.headers().firstValue("Retry-After")).as("Retry-After of a %d", response.statusCode()).isPresent();
                unavailable.incrementAndGet();
                pause(200);
            } catch (IOException e) {
                // connection refused or reset while a replica restarts or reconnects: try again
                pause(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("record " + key + " was never accepted within " + deadline.toSeconds() + " s");
    }

    /**
     * A {@code POST /data} of record {@code key}, with that {@code Idempotency-Key}.
     *
     * @param generator the replica
     * @param token     a token with {@code data.write}
     * @param key       the record's key
     * @param timeout   how long the client waits for the answer
     * @return the request
     */
    static HttpRequest request(ServiceProcess generator, String token, String key, Duration timeout) {
        return HttpRequest.newBuilder(generator.uri("/data"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"" + key + "\"}"))
                .timeout(timeout)
                .build();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        clients.shutdownNow();
    }
}
