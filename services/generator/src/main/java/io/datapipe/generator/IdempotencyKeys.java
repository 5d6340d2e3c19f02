package io.datapipe.generator;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;

import io.datapipe.http.ApiException;
import io.datapipe.http.Problem;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

/**
 * The {@code Idempotency-Key} request header: a client that retries a POST with the same key gets the
 * same answer (same record id, same {@code receivedAt}) and the record is published once.
 *
 * <ul>
 *     <li>Keys are scoped to the caller: two users may use the same key.</li>
 *     <li>A key is remembered for {@code datapipe.generator.idempotency-window-seconds} (default a day),
 *     for at most {@code datapipe.generator.idempotency-max-keys} keys (least recently used go first).</li>
 *     <li>The same key with a different body is a client error (422).</li>
 *     <li>A retry that arrives while the first request is still waiting for the broker waits for its answer.</li>
 *     <li>The record id and {@code receivedAt} are minted once per key. When an attempt fails (503) the
 *     broker may or may not hold the message; a retry publishes the same id again, so the persister
 *     stores the record once either way.</li>
 * </ul>
 * Keys live in this process. With several generator replicas, a retry reaches the replica that
 * answered the first time only if the gateway routes a caller consistently (for example by a hash of the
 * {@code Authorization} header); see the deployment guide. Whatever the routing, the persister never
 * stores an id twice.
 */
@ApplicationScoped
public class IdempotencyKeys {

    /** The request header. */
    public static final String HEADER = "Idempotency-Key";
    private static final Pattern VALID = Pattern.compile("^[\\x21-\\x7E]{1,255}$");

    /** A caller's key. */
    private record Key(String userId, String key) {
    }

    /** The identity a key gave its record, and the latest attempt to publish it. */
    private static final class Entry {
        private final byte[] bodyDigest;
        private final Identity identity;
        private CompletableFuture<AcceptedRecord> attempt;

        private Entry(byte[] bodyDigest, Identity identity) {
            this.bodyDigest = bodyDigest;
            this.identity = identity;
        }
    }

    /**
     * The id and acceptance time of a record, minted once per idempotency key.
     *
     * @param id         the record id
     * @param receivedAt when the first request with the key was received
     */
    public record Identity(java.util.UUID id, java.time.Instant receivedAt) {
        static Identity mint() {
            return new Identity(io.datapipe.contract.RecordIds.next(),
                                java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        }
    }

    private final ConcurrentMap<Key, Entry> keys;
    private final Duration wait;

    @Inject
    IdempotencyKeys(@ConfigProperties GeneratorConfig config) {
        Cache<Key, Entry> cache = Caffeine.newBuilder()
                .expireAfterWrite(config.idempotencyWindow())
                .maximumSize(config.idempotencyMaxKeys())
                .build();
        this.keys = cache.asMap();
        this.wait = config.sameKeyWait();
    }

    /**
     * Accepts a record once per key.
     *
     * @param userId  the caller
     * @param key     the header value, or {@code null} when there is none
     * @param body    the request body as received
     * @param publish publishes the record with the given identity and returns what was accepted
     * @return what was accepted, now or by an earlier request with this key
     */
    public Accepted acceptOnce(String userId, String key, byte[] body, Function<Identity, AcceptedRecord> publish) {
        if (key == null) {
            return new Accepted(publish.apply(Identity.mint()), false);
        }
        if (!VALID.matcher(key).matches()) {
            throw ApiException.badRequest("INVALID_IDEMPOTENCY_KEY",
                                          "the Idempotency-Key header must be 1 to 255 visible ASCII characters");
        }
        Entry fresh = new Entry(digest(body), Identity.mint());
        Entry entry = keys.putIfAbsent(new Key(userId, key), fresh);
        if (entry == null) {
            entry = fresh;
        } else if (!Arrays.equals(entry.bodyDigest, fresh.bodyDigest)) {
            throw new ApiException(Problem.of(422, "idempotency-key-reused", "Unprocessable Content",
                                              "this Idempotency-Key was used with a different body"));
        }
        CompletableFuture<AcceptedRecord> attempt;
        boolean mine = false;
        synchronized (entry) {
            if (entry.attempt == null || entry.attempt.isCompletedExceptionally()) {
                entry.attempt = new CompletableFuture<>();
                mine = true;
            }
            attempt = entry.attempt;
        }
        if (!mine) {
            return new Accepted(await(attempt), true);
        }
        try {
            AcceptedRecord accepted = publish.apply(entry.identity);
            attempt.complete(accepted);
            return new Accepted(accepted, false);
        } catch (RuntimeException e) {
            attempt.completeExceptionally(e);
            throw e;
        }
    }

    /**
     * An accepted record, and whether this answer repeats an earlier one.
     *
     * @param record   what was accepted
     * @param replayed {@code true} when the record was accepted by an earlier request with the same key
     */
    public record Accepted(AcceptedRecord record, boolean replayed) {
    }

    private AcceptedRecord await(CompletableFuture<AcceptedRecord> outcome) {
        try {
            return outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw ApiException.serviceUnavailable("the first request with this Idempotency-Key is still in progress",
                                                  Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.serviceUnavailable("interrupted", Duration.ofSeconds(1));
        }
    }

    private static byte[] digest(byte[] body) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(body);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
