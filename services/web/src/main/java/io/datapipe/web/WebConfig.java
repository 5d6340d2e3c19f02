package io.datapipe.web;

import java.time.Duration;
import java.util.Optional;

import jakarta.enterprise.context.Dependent;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * web's own settings ({@code datapipe.web.*}), with their defaults in
 * {@code META-INF/microprofile-config.properties}. Inject with {@code @Inject @ConfigProperties WebConfig}.
 */
@Dependent // a bean-defining annotation: the archive is discovered by annotations
@ConfigProperties(prefix = WebConfig.PREFIX)
public class WebConfig {

    static final String PREFIX = "datapipe.web";
    static final String DEFAULT_LIMIT = "default-limit";
    static final String MAX_LIMIT = "max-limit";

    @ConfigProperty(name = DEFAULT_LIMIT)
    int defaultLimit;
    @ConfigProperty(name = MAX_LIMIT)
    int maxLimit;
    @ConfigProperty(name = "max-page-bytes")
    long maxPageBytes;
    @ConfigProperty(name = "cursor-secret")
    Optional<String> cursorSecret;
    @ConfigProperty(name = "retry-after-seconds")
    long retryAfterSeconds;

    /** @return the page size when the request names none */
    int defaultLimit() {
        return defaultLimit;
    }

    /** @return the largest page size a request may ask for */
    int maxLimit() {
        return maxLimit;
    }

    /** @return the payload characters a page holds before it ends early (it holds at least one record) */
    long maxPageBytes() {
        return maxPageBytes;
    }

    /** @return the key that signs page cursors, when one is set */
    Optional<String> cursorSecret() {
        return cursorSecret;
    }

    /** @return the Retry-After of a 503 when the database is unavailable */
    Duration retryAfter() {
        return Duration.ofSeconds(retryAfterSeconds);
    }
}
