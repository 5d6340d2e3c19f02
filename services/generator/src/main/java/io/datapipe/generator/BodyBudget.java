package io.datapipe.generator;

import java.time.Duration;
import java.util.concurrent.Semaphore;

import io.datapipe.http.ApiException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

/**
 * The request bodies the generator holds at once, in bytes ({@code datapipe.generator.max-body-bytes-in-flight}).
 * A request reserves its body's size before the body is read (the declared {@code Content-Length}, or the
 * route's largest body when none is declared) and gives it back when it is answered: a body, its records and
 * their encoded messages stay on the heap until the broker has confirmed them. The bound on requests in
 * progress does not bound this: 256 batches of 1 MiB sent at once ran the 205 MiB heap out and the process
 * exited (bench/results/2026-11-29-full-run-routes-only.md). Over the budget a request is answered {@code 503}
 * with {@code Retry-After} at once, before its body is read, as when too many requests are in progress.
 */
@ApplicationScoped
public class BodyBudget {

    private static final int KIB = 1024;
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final Semaphore kib;
    private final long maxBytes;

    @Inject
    BodyBudget(@ConfigProperties GeneratorConfig config) {
        this.maxBytes = config.maxBodyBytesInFlight();
        if (maxBytes < KIB) {
            throw new IllegalArgumentException("datapipe.generator.max-body-bytes-in-flight must be at least 1024, not " + maxBytes);
        }
        this.kib = new Semaphore((int) Math.min(Integer.MAX_VALUE, maxBytes / KIB));
    }

    /** A body's share of the budget, given back by {@link #close()}. */
    public interface Reservation extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Reserves room for a request's body.
     *
     * @param contentLength the declared {@code Content-Length}, or {@code null}
     * @param routeMaxBytes the largest body the route accepts
     * @return the reservation, to close once the request is answered
     * @throws ApiException 400 for a {@code Content-Length} that is not a number (as the reader answers), 503 with
     *                      {@code Retry-After} when the bodies held already fill the budget
     */
    public Reservation reserve(String contentLength, int routeMaxBytes) {
        long declared = PayloadReader.declaredLength(contentLength);
        // A larger declared length is refused with 413 by the reader, having reserved the route's largest.
        long bytes = declared < 0 ? routeMaxBytes : Math.min(declared, routeMaxBytes);
        int permits = (int) Math.max(1, (bytes + KIB - 1) / KIB);
        if (!kib.tryAcquire(permits)) {
            throw ApiException.serviceUnavailable("this replica holds " + maxBytes / (KIB * KIB)
                                                          + " MiB of request bodies already; try again shortly", RETRY_AFTER);
        }
        return () -> kib.release(permits);
    }
}
