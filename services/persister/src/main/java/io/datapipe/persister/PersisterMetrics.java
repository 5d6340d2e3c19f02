package io.datapipe.persister;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Timer;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * What the persister measures (Prometheus names): {@code datapipe_persister_batch_size},
 * {@code datapipe_persister_batch_duration_seconds} (a batch from formed to settled),
 * {@code datapipe_persister_db_write_duration_seconds} (one insert and commit),
 * {@code datapipe_persister_records_stored_total}, {@code datapipe_persister_records_duplicate_total}
 * (redeliveries that found their record already stored), {@code datapipe_persister_db_retries_total},
 * and {@code datapipe_persister_end_to_end_lag_seconds}: from the generator accepting a record to its
 * commit here.
 */
@ApplicationScoped
public class PersisterMetrics implements BatchMetrics {

    private final Histogram batchSize;
    private final Timer batchDuration;
    private final Timer dbWrite;
    private final Counter stored;
    private final Counter duplicates;
    private final Counter retries;
    private final Timer endToEndLag;

    @Inject
    PersisterMetrics(@RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE) MetricRegistry registry) {
        batchSize = registry.histogram(Metadata.builder().withName("datapipe.persister.batch.size")
                                               .withDescription("Records per database batch").build());
        batchDuration = registry.timer(timer("datapipe.persister.batch.duration", "A batch from formed to settled"));
        dbWrite = registry.timer(timer("datapipe.persister.db.write.duration", "One batch insert and commit"));
        stored = registry.counter(Metadata.builder().withName("datapipe.persister.records.stored")
                                          .withDescription("Records stored").build());
        duplicates = registry.counter(Metadata.builder().withName("datapipe.persister.records.duplicate")
                                              .withDescription("Deliveries whose record was already stored").build());
        retries = registry.counter(Metadata.builder().withName("datapipe.persister.db.retries")
                                           .withDescription("Batch writes retried because the database was unavailable").build());
        endToEndLag = registry.timer(timer("datapipe.persister.end.to.end.lag",
                                           "From the generator accepting a record to its commit"));
    }

    @Override
    public void batch(int size, Duration took) {
        batchSize.update(size);
        batchDuration.update(took);
    }

    void written(Duration took) {
        dbWrite.update(took);
    }

    @Override
    public void stored(int count) {
        stored.inc(count);
    }

    @Override
    public void duplicates(int count) {
        if (count > 0) {
            duplicates.inc(count);
        }
    }

    void retried() {
        retries.inc();
    }

    @Override
    public void lag(Duration lag) {
        endToEndLag.update(lag.isNegative() ? Duration.ZERO : lag);
    }

    private static Metadata timer(String name, String description) {
        return Metadata.builder().withName(name).withDescription(description).withUnit(MetricUnits.SECONDS).build();
    }
}
