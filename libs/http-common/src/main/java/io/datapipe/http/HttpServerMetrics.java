package io.datapipe.http;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * Times every API request into {@code http.server.request.duration} (Prometheus:
 * {@code http_server_request_duration_seconds}), named and labelled after the OpenTelemetry HTTP
 * semantic conventions: {@code http_request_method}, {@code http_route} (the route template, such as
 * {@code /data/{id}}, never the raw path, so ids do not explode the series) and
 * {@code http_response_status_code}. Requests refused by security or content negotiation are counted
 * too.
 */
@ApplicationScoped
public class HttpServerMetrics {

    /** The metric name. */
    public static final String NAME = "http.server.request.duration";
    private static final java.util.Set<String> METHODS =
            java.util.Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT");
    private static final Metadata METADATA = Metadata.builder()
            .withName(NAME)
            .withDescription("Duration of HTTP server requests")
            .withUnit(MetricUnits.SECONDS)
            .build();

    private final MetricRegistry registry;
    /** The timer of each method, route and status: looked up once, not registered anew per request. */
    private final java.util.concurrent.ConcurrentMap<String, org.eclipse.microprofile.metrics.Timer> timers =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    HttpServerMetrics(@RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE) MetricRegistry registry) {
        this.registry = registry;
    }

    /**
     * Times a request.
     *
     * @param requestMethod the request's method
     * @param route         the route template that served it
     * @param status        the answer's status
     * @param startedNanos  {@link System#nanoTime()} when the request arrived
     */
    public void record(String requestMethod, String route, int status, long startedNanos) {
        // Arbitrary methods from clients must not create series: OpenTelemetry's _OTHER for the rest.
        String method = METHODS.contains(requestMethod) ? requestMethod : "_OTHER";
        timers.computeIfAbsent(method + ' ' + route + ' ' + status,
                               key -> registry.timer(METADATA,
                                                     new Tag("http_request_method", method),
                                                     new Tag("http_route", route),
                                                     new Tag("http_response_status_code", Integer.toString(status))))
                .update(Duration.ofNanos(System.nanoTime() - startedNanos));
    }
}
