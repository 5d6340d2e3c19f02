package io.datapipe.http;

import java.security.Principal;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
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
 * <p>{@code datapipe.ratelimit.user.capacity} (burst) and {@code .user.per-second} (sustained), the same
 * under {@code .global}, and {@code datapipe.ratelimit.enabled}. The buckets of one replica: the gateway
 * enforces the same kind of limit at the edge, for all replicas together.
 */
@Provider
@Priority(Priorities.USER - 100)
@ApplicationScoped
public class RateLimits implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String PROBE = RateLimits.class.getName() + ".probe";
    private static final Metadata THROTTLED = Metadata.builder()
            .withName("datapipe.http.throttled")
            .withDescription("Requests refused with 429, by limit")
            .build();

    private final boolean enabled;
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
               @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE) MetricRegistry registry) {
        this.enabled = enabled;
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

    @Override
    public void filter(ContainerRequestContext request) {
        Principal caller = request.getSecurityContext() == null ? null : request.getSecurityContext().getUserPrincipal();
        if (!enabled || caller == null) {
            // Not an authenticated API request: security has refused it, or it is not an API path.
            return;
        }
        Bucket user = users.get(caller.getName());
        ConsumptionProbe probe = user.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            request.abortWith(refused("user", probe.getNanosToWaitForRefill(), probe));
            return;
        }
        ConsumptionProbe service = global.tryConsumeAndReturnRemaining(1);
        if (!service.isConsumed()) {
            // The caller did nothing wrong: give the token back.
            user.addTokens(1);
            request.abortWith(refused("global", service.getNanosToWaitForRefill(), probe));
            return;
        }
        request.setProperty(PROBE, probe);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(PROBE) instanceof ConsumptionProbe probe) {
            headers(probe).forEach((name, value) -> response.getHeaders().putSingle(name, value));
        }
    }

    private jakarta.ws.rs.core.Response refused(String limit, long nanosToWait, ConsumptionProbe probe) {
        registry.counter(THROTTLED, new Tag("limit", limit)).inc();
        Duration wait = Duration.ofNanos(Math.max(nanosToWait, TimeUnit.MILLISECONDS.toNanos(1)));
        ApiException problem = ApiException.tooManyRequests(
                limit.equals("user") ? "too many requests from this caller; slow down"
                        : "this service is at its request limit; try again shortly", wait);
        jakarta.ws.rs.core.Response.ResponseBuilder response = jakarta.ws.rs.core.Response.fromResponse(
                ProblemResponses.of(problem.problem(), problem.headers()));
        headers(probe).forEach(response::header);
        return response.build();
    }

    private Map<String, String> headers(ConsumptionProbe probe) {
        long reset = (long) Math.ceil(probe.getNanosToWaitForReset() / 1e9);
        return Map.of("RateLimit-Limit", Long.toString(userCapacity),
                      "RateLimit-Remaining", Long.toString(probe.getRemainingTokens()),
                      "RateLimit-Reset", Long.toString(reset),
                      "RateLimit-Policy", String.format(Locale.ROOT, "%d;w=%d", userCapacity, userWindowSeconds));
    }
}
