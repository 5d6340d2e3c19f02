package io.datapipe.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import io.datapipe.devtokens.DevKeys;
import io.datapipe.devtokens.TokenMinter;

/**
 * The heap's worst case, against a running stack ({@code make up}): many clients posting bodies near the
 * 64 KiB cap at once, so that the generator holds as many of them as its concurrent-request bound lets
 * in and the persister batches them. It prints the answers by status and the SQL that counts what was
 * stored; the services' resident sizes are read meanwhile from {@code /proc} (bench/README.md, "The
 * containers' memory").
 *
 * <pre>java -cp bench/target/datapipe-bench.jar io.datapipe.bench.LargeBodies [clients] [seconds] [subjects]</pre>
 *
 * Tokens are signed with the local stack's key ({@code .local/keys}); the generator is
 * {@code DATAPIPE_BENCH_GENERATOR_URL} (default {@code http://127.0.0.1:8081}).
 */
public final class LargeBodies {

    /** Four strings of 15 500 characters: under the 16 Ki-character string limit, 62 KB in all. */
    private static final int FIELDS = 4;
    private static final int FIELD_LENGTH = 15_500;

    private LargeBodies() {
    }

    public static void main(String[] args) throws Exception {
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 20;
        int subjects = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        URI generator = URI.create(System.getenv().getOrDefault("DATAPIPE_BENCH_GENERATOR_URL", "http://127.0.0.1:8081"))
                .resolve("/data");
        TokenMinter minter = TokenMinter.forDev(DevKeys.loadOrCreate(Path.of(".local", "keys")));
        String run = UUID.randomUUID().toString().substring(0, 8);
        String[] tokens = new String[subjects];
        for (int i = 0; i < subjects; i++) {
            tokens[i] = minter.mint("large-" + run + "-" + i, List.of("data.write"), Duration.ofHours(1));
        }
        String body = body();
        System.out.printf("%d clients, %d subjects, %d s, bodies of %d bytes, to %s%n", clients, subjects, seconds,
                body.length(), generator);

        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        AtomicLong failures = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        // The client outlives the clients' threads: the inner block ends once every one of them has.
        try (HttpClient http = HttpClient.newHttpClient();
             ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                int client = c;
                threads.submit(() -> {
                    for (int n = 0; System.nanoTime() < end; n++) {
                        HttpRequest request = HttpRequest.newBuilder(generator)
                                .header("Authorization", "Bearer " + tokens[(client + n) % subjects])
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build();
                        try {
                            int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                            statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                        } catch (java.io.IOException e) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
        }
        System.out.println("answers by status: " + new TreeMap<>(statuses) + ", failed requests: " + failures);
        System.out.printf("stored: SELECT count(*), count(DISTINCT id) FROM data_record WHERE user_id LIKE 'large-%s-%%';%n", run);
    }

    private static String body() {
        StringBuilder json = new StringBuilder("{");
        for (int f = 0; f < FIELDS; f++) {
            json.append(f == 0 ? "" : ",").append("\"f").append(f).append("\":\"").append("x".repeat(FIELD_LENGTH)).append('"');
        }
        return json.append('}').toString();
    }
}
