package io.datapipe.persister;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.datapipe.contract.RecordMessage;
import io.datapipe.store.DatabaseProbe;
import io.helidon.faulttolerance.Retry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Stores batches so that nothing is lost and one bad record cannot take its neighbours down:
 * <ul>
 *     <li>while the database is unavailable, the same batch is written again with exponential back-off
 *     (Helidon fault tolerance), for as long as it takes; its messages stay unacknowledged meanwhile;</li>
 *     <li>when the database refuses the data, the batch is split in halves until the refused records are
 *     alone, and only those are reported as unstorable.</li>
 * </ul>
 * A refusal while the database does not even answer a health probe counts as unavailability, never as
 * bad data.
 */
@ApplicationScoped
public class BatchWriter {

    private static final System.Logger LOGGER = System.getLogger(BatchWriter.class.getName());

    private final BatchInsert insert;
    private final DatabaseProbe database;
    private final PersisterMetrics metrics;
    private final Retry retry;

    /**
     * What became of a batch.
     *
     * @param inserted records stored now (the others were stored before)
     * @param refused  records the database refused for good, with the reason
     */
    public record Result(int inserted, Map<UUID, String> refused) {
        static final Result NOTHING = new Result(0, Map.of());

        Result plus(Result other) {
            Map<UUID, String> both = new HashMap<>(refused);
            both.putAll(other.refused);
            return new Result(inserted + other.inserted, both);
        }
    }

    @Inject
    BatchWriter(BatchInsert insert,
                DatabaseProbe database,
                PersisterMetrics metrics,
                @ConfigProperties PersisterConfig config) {
        this.insert = insert;
        this.database = database;
        this.metrics = metrics;
        this.retry = Retry.builder()
                .retryPolicy(new CappedBackoff(config.retryInitialDelay().toMillis(), config.retryMaxDelay().toMillis()))
                // No overall deadline: an outage lasts as long as it lasts, and the messages wait in the broker.
                .overallTimeout(Duration.ofDays(3650))
                .applyOn(java.util.Set.of(StoreFailure.Retryable.class))
                .build();
    }

    /**
     * Stores records, waiting out database outages.
     *
     * @param records records with distinct ids
     * @return how many were new, and the records the database refused for good with the reason
     * @throws RuntimeException when interrupted (shutdown) while waiting for the database
     */
    public Result store(List<RecordMessage> records) {
        if (records.isEmpty()) {
            return Result.NOTHING;
        }
        AtomicInteger inserted = new AtomicInteger();
        Optional<StoreFailure> refused = writeWithRetry(records, inserted);
        if (refused.isEmpty()) {
            return new Result(inserted.get(), Map.of());
        }
        if (records.size() == 1) {
            LOGGER.log(WARNING, () -> "record " + records.get(0).id() + " cannot be stored: " + refused.get().getMessage());
            return new Result(0, Map.of(records.get(0).id(), refused.get().getMessage()));
        }
        int half = records.size() / 2;
        return store(records.subList(0, half)).plus(store(records.subList(half, records.size())));
    }

    private Optional<StoreFailure> writeWithRetry(List<RecordMessage> records, AtomicInteger inserted) {
        AtomicInteger attempts = new AtomicInteger();
        try {
            retry.invoke(() -> {
                long started = System.nanoTime();
                try {
                    inserted.set(insert.insert(records));
                    metrics.written(Duration.ofNanos(System.nanoTime() - started));
                    if (attempts.get() > 0) {
                        LOGGER.log(INFO, () -> "database available again; batch of " + records.size() + " stored after "
                                + attempts.get() + " retries");
                    }
                    return null;
                } catch (Exception e) {
                    // Exception, not RuntimeException: a failed commit reaches here as the checked
                    // jakarta.transaction.RollbackException, thrown through the @Transactional interceptor.
                    StoreFailure failure = StoreFailure.classify(e);
                    if (!failure.isTransient() && !database.isReachable()) {
                        failure = failure.asTransient();
                    }
                    if (failure.isTransient()) {
                        metrics.retried();
                        int attempt = attempts.incrementAndGet();
                        String message = failure.getMessage();
                        LOGGER.log(WARNING, () -> "database unavailable (attempt " + attempt + ", batch of " + records.size()
                                + " held unacknowledged): " + message);
                        throw new StoreFailure.Retryable(failure);
                    }
                    throw failure;
                }
            });
            return Optional.empty();
        } catch (StoreFailure failure) {
            return Optional.of(failure);
        }
    }

    /** Exponential back-off from an initial delay, doubling up to a maximum, forever. */
    private record CappedBackoff(long initialMillis, long maxMillis) implements Retry.RetryPolicy {
        @Override
        public Optional<Long> nextDelayMillis(long firstCallMillis, long lastDelay, int call) {
            long next = lastDelay <= 0 ? initialMillis : Math.min(maxMillis, lastDelay * 2);
            return Optional.of(next);
        }
    }
}
