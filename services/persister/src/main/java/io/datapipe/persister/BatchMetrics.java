package io.datapipe.persister;

import java.time.Duration;

/** What {@link RecordBatcher} reports of the batches it settles; {@link PersisterMetrics} exports it. */
interface BatchMetrics {

    /** A batch of {@code size} messages was settled {@code took} after it was formed. */
    void batch(int size, Duration took);

    /** {@code count} records were stored for the first time. */
    void stored(int count);

    /** {@code count} deliveries found their record already stored. */
    void duplicates(int count);

    /** A record was committed {@code lag} after the generator accepted it. */
    void lag(Duration lag);
}
