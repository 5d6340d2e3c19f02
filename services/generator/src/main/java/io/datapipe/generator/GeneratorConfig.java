package io.datapipe.generator;

import java.time.Duration;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The generator's own settings ({@code datapipe.publish.*}, {@code datapipe.generator.*}), with their
 * defaults in {@code META-INF/microprofile-config.properties}, and the timeouts derived from them.
 * Inject with {@code @Inject @ConfigProperties GeneratorConfig}. Settings that must agree with each other are
 * checked when the service starts ({@link #validate()}, called by {@link RecordPublisher}): it does not start
 * when they disagree.
 */
@Dependent // a bean-defining annotation: the archive is discovered by annotations
@ConfigProperties(prefix = "datapipe")
public class GeneratorConfig {

    /**
     * How much longer a wait lasts than what it waits for: the connector fails an unconfirmed message
     * after the confirm timeout, so its precise reason, not our own timeout, normally ends the wait.
     */
    private static final Duration MARGIN = Duration.ofSeconds(1);

    @ConfigProperty(name = "publish.confirm-timeout-ms")
    long confirmTimeoutMs;
    @ConfigProperty(name = "publish.retry-after-seconds")
    long retryAfterSeconds;
    @ConfigProperty(name = "publish.max-waiting-records")
    int maxWaitingRecords;
    @ConfigProperty(name = "generator.max-body-bytes")
    int maxBodyBytes;
    @ConfigProperty(name = "generator.batch.max-body-bytes")
    int batchMaxBodyBytes;
    @ConfigProperty(name = "generator.batch.max-records")
    int batchMaxRecords;
    @ConfigProperty(name = "generator.max-body-bytes-in-flight")
    long maxBodyBytesInFlight;
    @ConfigProperty(name = "generator.idempotency-window-seconds")
    long idempotencyWindowSeconds;
    @ConfigProperty(name = "generator.idempotency-max-keys")
    long idempotencyMaxKeys;

    /**
     * Checks the settings that depend on each other.
     *
     * @throws IllegalArgumentException naming the keys that disagree
     */
    void validate() {
        if (maxWaitingRecords <= 0) {
            throw new IllegalArgumentException("datapipe.publish.max-waiting-records must be positive, not "
                                                       + maxWaitingRecords);
        }
        if (batchMaxRecords > maxWaitingRecords) {
            throw new IllegalArgumentException("datapipe.generator.batch.max-records (" + batchMaxRecords
                                                       + ") must be at most datapipe.publish.max-waiting-records ("
                                                       + maxWaitingRecords + "): a larger batch could never be published");
        }
    }

    /** @return how long a request waits for the broker's confirm of its record */
    Duration publishWait() {
        return Duration.ofMillis(confirmTimeoutMs).plus(MARGIN);
    }

    /** @return how long a retry with the same Idempotency-Key waits for the first attempt's outcome */
    Duration sameKeyWait() {
        return publishWait().plus(MARGIN);
    }

    /** @return the Retry-After of a 503 when the broker did not take a record */
    Duration retryAfter() {
        return Duration.ofSeconds(retryAfterSeconds);
    }

    /** @return the most records waiting for the broker's confirm at once, all requests together */
    int maxWaitingRecords() {
        return maxWaitingRecords;
    }

    /** @return the largest request body accepted */
    int maxBodyBytes() {
        return maxBodyBytes;
    }

    /** @return the largest batch body accepted */
    int batchMaxBodyBytes() {
        return batchMaxBodyBytes;
    }

    /** @return the bytes of request bodies held at once, all requests together ({@link BodyBudget}) */
    long maxBodyBytesInFlight() {
        return maxBodyBytesInFlight;
    }

    /** @return the most records a batch may hold */
    int batchMaxRecords() {
        return batchMaxRecords;
    }

    /** @return how long an Idempotency-Key is remembered */
    Duration idempotencyWindow() {
        return Duration.ofSeconds(idempotencyWindowSeconds);
    }

    /** @return how many Idempotency-Keys are remembered at most */
    long idempotencyMaxKeys() {
        return idempotencyMaxKeys;
    }
}
