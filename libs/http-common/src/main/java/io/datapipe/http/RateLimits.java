package io.datapipe.http;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * Request limits per caller and for the whole service, as token buckets (Bucket4j): each authenticated
 * API request takes a token from the caller's bucket and one from the global bucket. A request over
 * either limit gets {@code 429} with {@code Retry-After} before its body is read; every answer carries
 * {@code RateLimit-Limit}, {@code RateLimit-Remaining} and {@code RateLimit-Reset} for the caller's
 * bucket.
 *
 * <p>A request that carries several items (the generator's batches) costs the caller's bucket one token per
 * item: the resource {@linkplain #charge charges} the rest once it has counted them, and
 * {@code datapipe.ratelimit.unit} ({@code requests}, or {@code records} on the generator) names what the
 * caller's tokens count in {@code RateLimit-Policy}. The global bucket counts requests: it guards the
 * replica against floods of requests, whose fixed cost (token verification, routing) dominates.
 *
 * <p>{@code datapipe.ratelimit.user.capacity} (burst) and {@code .user.per-second} (sustained), the same
 * under {@code .global}, and {@code datapipe.ratelimit.enabled}. The buckets of one replica: the gateway
 * enforces the same kind of limit at the edge, for all replicas together.
 */
@ApplicationScoped
public class RateLimits {

    private static final Metadata THROTTLED = Metadata.builder()
            .withName("datapipe.http.throttled")
            .withDescription("Requests refused with 429, by limit")
            .build();

    private final boolean enabled;
    private final String unit;
    private final long userCapacity;
    private final long userWindowSeconds;
    private final LoadingCache<String, Bucket> users;
    private final Bucket global;
    private final MetricRegistry registry;

    @Inject
    RateLimits(@ConfigProperty(name = "datapipe.ratelimit.enabled", defaultValue = "true") boolean enabled,
               @ConfigProperty(name = "datapipe.ratelimit.user.capacity", defaultValue = "50") long userCapacity,
               @ConfigProperty(name = "datapipe.ratelimit.user.per-second", defaultValue = "20") long userPerSecond,
               @ConfigProperty(name = "datapipe.ratelimit.global.capacity", defaultValue = "5000") long globalCapacity,
               @ConfigProperty(name = "datapipe.ratelimit.global.per-second", defaultValue = "2000") long globalPerSecond,
               @ConfigProperty(name = "datapipe.ratelimit.unit", defaultValue = "requests") String unit,
               @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE) MetricRegistry registry) {
        this.enabled = enabled;
        this.unit = unit;
        this.userCapacity = userCapacity;
        this.userWindowSeconds = Math.max(1, (userCapacity + userPerSecond - 1) / userPerSecond);
        this.registry = registry;
        this.users = Caffeine.newBuilder()
                .expireAfterAccess(Duration.ofMinutes(10))
                .maximumSize(100_000)
                .build(user -> bucket(userCapacity, userPerSecond));
        this.global = bucket(globalCapacity, globalPerSecond);
        registry.counter(THROTTLED, new Tag("limit", "user"));
        registry.counter(THROTTLED, new Tag("limit", "global"));
    }

    private static Bucket bucket(long capacity, long perSecond) {
        return Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)).build())
                .build();
    }

    /**
     * Takes a request's token from its caller's bucket and from the service's.
     *
     * @param user the authenticated caller
     * @return the caller's quota as it is now, for {@link #charge} and {@link #headers}; {@code null} when the
     *         limits are disabled
     * @throws ApiException 429 with {@code Retry-After} and the {@code RateLimit-*} headers when over a limit
     */
    public Quota admit(String user) {
        if (!enabled) {
            return null;
        }
        Bucket bucket = users.get(user);
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            throw refused("user", probe.getNanosToWaitForRefill(), probe);
        }
        ConsumptionProbe service = global.tryConsumeAndReturnRemaining(1);
        if (!service.isConsumed()) {
            // The caller did nothing wrong: give the token back.
            bucket.addTokens(1);
            throw refused("global", service.getNanosToWaitForRefill(), probe);
        }
        return new Quota(bucket, probe);
    }

    /**
     * Charges the caller's bucket for the items of a request beyond the one {@link #admit} took, all or none.
     *
     * @param quota the request's quota from {@link #admit}; {@code null} (limits disabled) charges nothing
     * @param items how many items the request carries in all
     * @throws ApiException 400 when more items than the caller's burst can ever hold, 429 when over the limit
     *                      now (nothing is charged then beyond the request's first token)
     */
    public void charge(Quota quota, long items) {
        if (quota == null || items <= 1) {
            return;
        }
        if (items > userCapacity) {
            throw ApiException.badRequest("OVER_RATE_LIMIT_CAPACITY", String.format(
                    Locale.ROOT, "a request may carry at most %d %s, the caller's rate-limit burst", userCapacity, unit));
        }
        ConsumptionProbe probe = quota.bucket.tryConsumeAndReturnRemaining(items - 1);
        // Whatever happens, the answer's RateLimit-* headers describe the bucket as it is now.
        quota.probe = probe;
        if (!probe.isConsumed()) {
            throw refused("user", probe.getNanosToWaitForRefill(), probe);
        }
    }

    /**
     * The {@code RateLimit-*} headers of an answer.
     *
     * @param quota the request's quota; {@code null} (limits disabled) has none
     * @return the headers
     */
    public Map<String, String> headers(Quota quota) {
        return quota == null ? Map.of() : headers(quota.probe);
    }

    /** A request's place in its caller's bucket: which bucket, and what it held after the request's last charge. */
    public static final class Quota {
        private final Bucket bucket;
        private volatile ConsumptionProbe probe;

        private Quota(Bucket bucket, ConsumptionProbe probe) {
            this.bucket = bucket;
            this.probe = probe;
        }
    }

    private ApiException refused(String limit, long nanosToWait, ConsumptionProbe probe) {
        registry.counter(THROTTLED, new Tag("limit", limit)).inc();
        Duration wait = Duration.ofNanos(Math.max(nanosToWait, TimeUnit.MILLISECONDS.toNanos(1)));
        ApiException problem = ApiException.tooManyRequests(
                limit.equals("user") ? "too many " + unit + " from this caller; slow down"
                        : "this service is at its request limit; try again shortly", wait);
        Map<String, String> headers = new java.util.HashMap<>(problem.headers());
        headers.putAll(headers(probe));
        return new ApiException(problem.problem(), headers);
    }

    private Map<String, String> headers(ConsumptionProbe probe) {
        long reset = (long) Math.ceil(probe.getNanosToWaitForReset() / 1e9);
        return Map.of("RateLimit-Limit", Long.toString(userCapacity),
                      "RateLimit-Remaining", Long.toString(probe.getRemainingTokens()),
                      "RateLimit-Reset", Long.toString(reset),
                      // the quota unit as draft-ietf-httpapi-ratelimit-headers names it (qu)
                      "RateLimit-Policy", String.format(Locale.ROOT, "%d;w=%d;qu=\"%s\"", userCapacity, userWindowSeconds, unit));
    }
}
