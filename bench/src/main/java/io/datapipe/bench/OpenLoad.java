package io.datapipe.bench;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * An open-model load: requests are sent at a constant arrival rate whatever the answers do, and each
 * latency is measured from the request's <em>intended</em> send time, so that a stall of the server
 * shows as the latency every request scheduled during it would have seen (no coordinated omission).
 *
 * <p>One platform thread keeps the schedule; the requests are asynchronous, so a slow answer never
 * delays the next request. Requests still outstanding are bounded ({@code maxInFlight}); a request that
 * would exceed the bound is not sent and counts as dropped, which fails the step.
 */
final class OpenLoad {

    /** What one request did. */
    interface Request {
        /**
         * Sends request number {@code n}.
         *
         * @param n sequence number from 0
         * @return the response, completed when it has arrived
         */
        CompletableFuture<BenchHttp.Answer> send(long n);
    }

    /** Called with each response and its intended send time, on the client's threads. */
    interface Observer {
        void completed(long n, long intendedNanos, BenchHttp.Answer response);
    }

    /**
     * The outcome of one run.
     *
     * @param offeredRate     the rate asked for, requests/s
     * @param seconds         how long requests were sent
     * @param sent            requests sent
     * @param dropped         requests not sent because too many were outstanding
     * @param ok              responses with the expected status
     * @param statuses        every status seen, with its count (-1: transport error or timeout)
     * @param okInWindow      expected responses that arrived before the run's end (plus half a second)
     * @param latency         microseconds from intended send time to response, of the expected responses
     * @param completedRate   expected responses per second that arrived within the run
     */
    record Result(double offeredRate, double seconds, long sent, long dropped, long ok, long okInWindow,
                  Map<Integer, Long> statuses, Histogram latency, double completedRate) {

        double p(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }

        double okFraction() {
            long offered = sent + dropped;
            return offered == 0 ? 0 : (double) ok / offered;
        }
    }

    private OpenLoad() {
    }

    /**
     * Runs a constant-rate load.
     *
     * @param rate           requests per second
     * @param duration       how long to send
     * @param expectedStatus the status of a successful response
     * @param maxInFlight    bound on outstanding requests
     * @param request        sends request n
     * @param observer       sees each response (may be null)
     * @return what happened
     */
    static Result run(double rate, Duration duration, int expectedStatus, int maxInFlight, Request request,
                      Observer observer) throws InterruptedException {
        Histogram latency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicLong ok = new AtomicLong();
        AtomicLong okInWindow = new AtomicLong();
        Map<Integer, AtomicLong> statuses = new ConcurrentHashMap<>();
        long dropped = 0;
        long sent = 0;
        double intervalNanos = 1e9 / rate;
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
        long end = start + duration.toNanos();
        long windowEnd = end + TimeUnit.MILLISECONDS.toNanos(500);
        for (long n = 0; ; n++) {
            long intended = start + (long) (n * intervalNanos);
            if (intended >= end) {
                break;
            }
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            if (inFlight.get() >= maxInFlight) {
                dropped++;
                continue;
            }
            inFlight.incrementAndGet();
            sent++;
            long number = n;
            CompletableFuture<BenchHttp.Answer> response;
            try {
                response = request.send(n);
            } catch (RuntimeException e) {
                response = CompletableFuture.failedFuture(e);
            }
            response.whenComplete((answer, failure) -> {
                long now = System.nanoTime();
                inFlight.decrementAndGet();
                int status = failure != null ? -1 : answer.status();
                statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                if (status == expectedStatus) {
                    ok.incrementAndGet();
                    if (now <= windowEnd) {
                        okInWindow.incrementAndGet();
                    }
                    latency.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(now - intended),
                                                 latency.getHighestTrackableValue()));
                    if (observer != null) {
                        observer.completed(number, intended, answer);
                    }
                }
            });
        }
        // Wait for the stragglers, at most 30 s: their latency counts too.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        double seconds = duration.toNanos() / 1e9;
        Map<Integer, Long> counts = new TreeMap<>();
        statuses.forEach((status, count) -> counts.put(status, count.get()));
        long stillOutstanding = inFlight.get();
        if (stillOutstanding > 0) {
            counts.merge(-1, stillOutstanding, Long::sum);
        }
        return new Result(rate, seconds, sent, dropped, ok.get(), okInWindow.get(), counts, latency, okInWindow.get() / seconds);
    }
}
