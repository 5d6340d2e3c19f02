package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak's callers: records at a constant arrival rate, each posted with its own {@code Idempotency-Key}
 * and retried (503, 429, a refused or reset connection) until it is accepted, as a client that wants
 * exactly-once does. A record goes to the generator replica its number picks, and to the next one while
 * that one does not answer (a restart). What was accepted, under which id, is kept to count the table
 * against at the end.
 */
final class SoakLoad {

    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final Duration RECORD_DEADLINE = Duration.ofMinutes(10);
    /**
     * Requests in flight at once, over all records: while a fault holds records up they wait for a turn
     * rather than each opening a connection (thousands of them would exhaust the file descriptors).
     */
    private static final int MAX_IN_FLIGHT = 256;

    private final BenchEnv env;
    private final double rate;
    private final List<ServiceProcess> generators = new CopyOnWriteArrayList<>();
    private final Map<Long, UUID> accepted = new ConcurrentHashMap<>();
    private final AtomicInteger outstanding = new AtomicInteger();
    private final AtomicLong refusals = new AtomicLong();
    private final AtomicLong transportErrors = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong scheduled = new AtomicLong();
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    private volatile boolean stopping;
    private Thread scheduler;

    SoakLoad(BenchEnv env, List<ServiceProcess> generators, double rate) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("the soak's rate must be positive, not " + rate);
        }
        this.env = env;
        this.rate = rate;
        this.generators.addAll(generators);
    }

    void start() {
        scheduler = Thread.ofPlatform().daemon().name("soak-load").start(this::schedule);
    }

    /** Takes a replica out of the rotation (before it is stopped). */
    void remove(ServiceProcess generator) {
        generators.remove(generator);
    }

    /** Puts a (ready) replica into the rotation. */
    void add(ServiceProcess generator) {
        generators.add(generator);
    }

    private void schedule() {
        long start = System.nanoTime();
        for (long n = 0; !stopping; n++) {
            long intended = start + (long) (n * 1e9 / rate);
            long wait = intended - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (stopping || Thread.currentThread().isInterrupted()) {
                return;
            }
            long record = n;
            scheduled.incrementAndGet();
            outstanding.incrementAndGet();
            Thread.startVirtualThread(() -> {
                try {
                    postUntilAccepted(record);
                } finally {
                    outstanding.decrementAndGet();
                }
            });
        }
    }

    private void postUntilAccepted(long n) {
        long deadline = System.nanoTime() + RECORD_DEADLINE.toNanos();
        int replica = (int) (n % 1_000);
        int attempts = 0;
        while (System.nanoTime() < deadline) {
            List<ServiceProcess> replicas = List.copyOf(generators);
            if (replicas.isEmpty()) {
                pause(100);
                continue;
            }
            ServiceProcess generator = replicas.get(replica % replicas.size());
            try {
                BenchHttp.Answer response;
                inFlight.acquire();
                try {
                    response = BenchHttp.await(env.http.post(generator.uri("/data"), env.token(n), BenchEnv.payload(n), "soak-" + n));
                } finally {
                    inFlight.release();
                }
                if (response.status() == 202) {
                    Matcher id = ID.matcher(response.body());
                    if (!id.find()) {
                        throw new IllegalStateException("202 without an id: " + response.body());
                    }
                    accepted.put(n, UUID.fromString(id.group(1)));
                    return;
                }
                if (response.status() != 503 && response.status() != 429) {
                    throw new IllegalStateException("record " + n + ": " + response.status() + " " + response.body());
                }
                refusals.incrementAndGet();
                // Back off as a client should: doubling from 100 ms up to Retry-After, with jitter, so that the
                // records held up by a fault do not come back all at once.
                long retryAfterMs = 1_000 * (response.retryAfter() == null ? 1 : Long.parseLong(response.retryAfter().trim()));
                long backoff = Math.min(retryAfterMs, 100L << Math.min(attempts++, 10));
                pause(backoff / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(backoff / 2 + 1));
            } catch (IOException e) {
                // the replica restarts or is gone: the next one
                transportErrors.incrementAndGet();
                replica++;
                pause(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                System.err.println("soak: " + e.getMessage());
                return;
            }
        }
        failed.incrementAndGet();
    }

    /**
     * Stops scheduling new records and waits until every scheduled one is accepted (or has failed).
     *
     * @param timeout how long to wait
     */
    void stop(Duration timeout) throws InterruptedException {
        stopping = true;
        scheduler.interrupt(); // it may be parked until the next record is due
        scheduler.join();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (outstanding.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
    }

    Map<Long, UUID> accepted() {
        return Map.copyOf(accepted);
    }

    long scheduled() {
        return scheduled.get();
    }

    int outstanding() {
        return outstanding.get();
    }

    long refusals() {
        return refusals.get();
    }

    long transportErrors() {
        return transportErrors.get();
    }

    long failed() {
        return failed.get();
    }

    private static void pause(long millis) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
    }
}
