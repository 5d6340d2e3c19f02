package io.datapipe.persister;

import java.time.Duration;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The persister's own settings ({@code datapipe.persister.*}), with their defaults in
 * {@code META-INF/microprofile-config.properties}. Inject with {@code @Inject @ConfigProperties PersisterConfig}.
 */
@Dependent // a bean-defining annotation: the archive is discovered by annotations
@ConfigProperties(prefix = "datapipe.persister")
public class PersisterConfig {

    @ConfigProperty(name = "batch-size")
    int batchSize;
    @ConfigProperty(name = "batch-max-wait-ms")
    long batchMaxWaitMs;
    @ConfigProperty(name = "prefetch")
    int prefetch;
    @ConfigProperty(name = "drain-timeout-ms")
    long drainTimeoutMs;
    @ConfigProperty(name = "retry-initial-delay-ms")
    long retryInitialDelayMs;
    @ConfigProperty(name = "retry-max-delay-ms")
    long retryMaxDelayMs;

    /** @return the records of a full batch */
    int batchSize() {
        return batchSize;
    }

    /** @return how long a batch's first record waits for the batch to fill */
    Duration batchMaxWait() {
        return Duration.ofMillis(batchMaxWaitMs);
    }

    /** @return the messages held at once, delivered and not yet settled */
    int prefetch() {
        return prefetch;
    }

    /** @return how long shutdown waits for the batches in flight */
    Duration drainTimeout() {
        return Duration.ofMillis(drainTimeoutMs);
    }

    /** @return the first delay before a write is retried while the database is unavailable */
    Duration retryInitialDelay() {
        return Duration.ofMillis(retryInitialDelayMs);
    }

    /** @return the longest delay between those retries */
    Duration retryMaxDelay() {
        return Duration.ofMillis(retryMaxDelayMs);
    }
}
