package io.datapipe.generator;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import io.datapipe.contract.RecordIds;
import io.datapipe.http.ApiException;
import io.datapipe.http.Problem;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

/**
 * The {@code Idempotency-Key} request header: a client that retries a POST with the same key gets the
 * same record ids, and each record is stored once, whichever generator replica answers.
 *
 * <ul>
 *     <li>Keys are scoped to the caller: two users may use the same key.</li>
 *     <li>The ids of a request with a key are derived from the caller, the key, the body and each record's
 *     position ({@link RecordIds#keyed}), not minted: any replica derives the same ids for the same request,
 *     with no shared store. The broker may hold a first attempt's message or not; the retry publishes the
 *     same ids, and the persister, which never stores an id twice, stores each record once.</li>
 *     <li>This replica also remembers its keys for {@code datapipe.generator.idempotency-window-seconds}
 *     (default a day), at most {@code datapipe.generator.idempotency-max-keys} (least recently used go
 *     first; a key takes a few hundred bytes whether its request held one record or a batch, so that
 *     bound is also the memory's): a retry it has answered before gets the same {@code receivedAt} too and
 *     {@code Idempotent-Replayed: true} without publishing again, the same key with a different body is a
 *     client error (422), and a retry that arrives while the first request still waits for the broker
 *     waits for its answer.</li>
 * </ul>
 * A retry that reaches another replica (or this one after a restart) publishes again under the same ids,
 * answers with its own {@code receivedAt} (the stored one is the first attempt's when the broker had it),
 * and without {@code Idempotent-Replayed}. The same key with another body there is not refused: it derives
 * other ids and is stored as other records, so nothing answered 202 is ever dropped.
 */
@ApplicationScoped
public class IdempotencyKeys {

    /** The request header. */
    public static final String HEADER = "Idempotency-Key";
    private static final Pattern VALID = Pattern.compile("^[\\x21-\\x7E]{1,255}$");

    /** A caller's key. */
    private record Key(String userId, String key) {
    }

    /**
     * What a key's first request was, and the latest attempt to publish its records. The ids are not kept:
     * they are derived from the key, the body's digest and the count whenever they are needed, so that an
     * entry takes the same few hundred bytes for one record and for a batch of the largest size, and the
     * remembered keys bound the memory they take by their number alone.
     */
    private static final class Entry {
        private final byte[] bodyDigest;
        private final int records;
        private final Instant receivedAt;
        private CompletableFuture<Void> attempt;

        private Entry(byte[] bodyDigest, int records, Instant receivedAt) {
            this.bodyDigest = bodyDigest;
            this.records = records;
            this.receivedAt = receivedAt;
        }

        private Identity identity(Key key) {
            return Identity.keyed(key.userId(), key.key(), bodyDigest, records, receivedAt);
        }
    }

    /**
     * The ids and acceptance time of the records of one request.
     *
     * @param ids        the record ids, in the order of the records in the request
     * @param receivedAt when the request was received (by this replica, the first time with its key)
     */
    public record Identity(List<UUID> ids, Instant receivedAt) {

        /** @return the id of a request's only record */
        public UUID id() {
            return ids.getFirst();
        }

        private static Instant now() {
            return Instant.now().truncatedTo(ChronoUnit.MILLIS);
        }

        static Identity minted(int records) {
            List<UUID> ids = new ArrayList<>(records);
            for (int i = 0; i < records; i++) {
                ids.add(RecordIds.next());
            }
            return new Identity(List.copyOf(ids), now());
        }

        static Identity keyed(String userId, String key, byte[] bodyDigest, int records, Instant receivedAt) {
            List<UUID> ids = new ArrayList<>(records);
            for (int i = 0; i < records; i++) {
                ids.add(RecordIds.keyed(userId, key, bodyDigest, i));
            }
            return new Identity(List.copyOf(ids), receivedAt);
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
     * Checks a request's {@code Idempotency-Key} header before anything else is done with the request.
     *
     * @param key the header value, or {@code null} when there is none
     * @throws ApiException 400 when the key is malformed
     */
    public static void validate(String key) {
        if (key != null && !VALID.matcher(key).matches()) {
            throw ApiException.badRequest("INVALID_IDEMPOTENCY_KEY",
                                          "the Idempotency-Key header must be 1 to 255 visible ASCII characters");
        }
    }

    /**
     * Accepts the records of a request once per key.
     *
     * @param userId  the caller
     * @param key     the header value, or {@code null} when there is none
     * @param body    the request body as received
     * @param records how many records the body holds
     * @param publish publishes the records under the given identity, returning once the broker has them all
     * @return the identity of the accepted records, given now or by an earlier request with this key
     */
    public Accepted acceptOnce(String userId, String key, byte[] body, int records, Consumer<Identity> publish) {
        if (key == null) {
            Identity identity = Identity.minted(records);
            publish.accept(identity);
            return new Accepted(identity, false);
        }
        validate(key);
        byte[] digest = digest(body);
        Key scoped = new Key(userId, key);
        Entry entry = keys.get(scoped);
        if (entry == null) {
            Entry fresh = new Entry(digest, records, Identity.now());
            entry = keys.putIfAbsent(scoped, fresh);
            entry = entry == null ? fresh : entry;
        }
        if (!Arrays.equals(entry.bodyDigest, digest)) {
            throw new ApiException(Problem.of(422, "idempotency-key-reused", "Unprocessable Content",
                                              "this Idempotency-Key was used with a different body"));
        }
        CompletableFuture<Void> attempt;
        boolean mine = false;
        synchronized (entry) {
            if (entry.attempt == null || entry.attempt.isCompletedExceptionally()) {
                entry.attempt = new CompletableFuture<>();
                mine = true;
            }
            attempt = entry.attempt;
        }
        Identity identity = entry.identity(scoped);
        if (!mine) {
            await(attempt);
            return new Accepted(identity, true);
        }
        try {
            publish.accept(identity);
            attempt.complete(null);
            return new Accepted(identity, false);
        } catch (RuntimeException e) {
            attempt.completeExceptionally(e);
            throw e;
        }
    }

    /**
     * Accepted records, and whether this answer repeats an earlier one.
     *
     * @param identity their ids and acceptance time
     * @param replayed {@code true} when they were accepted by an earlier request with the same key
     */
    public record Accepted(Identity identity, boolean replayed) {
    }

    private void await(CompletableFuture<Void> outcome) {
        try {
            outcome.get(wait.toMillis(), TimeUnit.MILLISECONDS);
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
