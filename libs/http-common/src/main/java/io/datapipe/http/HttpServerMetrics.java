package io.datapipe.http;

import java.time.Duration;
import java.util.List;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.ext.Provider;
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
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION - 100)
@ApplicationScoped
public class HttpServerMetrics implements ContainerRequestFilter, ContainerResponseFilter {

    /** The metric name. */
    public static final String NAME = "http.server.request.duration";
    /** The request property holding System.nanoTime() of the request's arrival (also read by {@link AccessLog}). */
    static final String START = HttpServerMetrics.class.getName() + ".start";
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

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(START, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object start = request.getProperty(START);
        if (!(start instanceof Long started)) {
            return;
        }
        String route = route(request);
        if (route.equals("unmatched") && response.getStatus() == 404) {
            // Not an API request: the server passes it on to its other routes (/health, /metrics).
            return;
        }
        record(request.getMethod(), route, response.getStatus(), started);
    }

    /**
     * Times a request served outside JAX-RS (by the web server's own routing).
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

    /** The route template of the request (such as {@code /data/{id}}), or {@code unmatched}. */
    static String route(ContainerRequestContext request) {
        List<String> templates = request.getUriInfo().getMatchedURIs().isEmpty() ? List.of() : templates(request);
        return templates.isEmpty() ? "unmatched" : String.join("", templates);
    }

    private static List<String> templates(ContainerRequestContext request) {
        // Jersey exposes the matched templates, innermost first.
        if (request.getUriInfo() instanceof org.glassfish.jersey.server.ExtendedUriInfo extended) {
            List<String> templates = new java.util.ArrayList<>();
            extended.getMatchedTemplates().forEach(template -> templates.add(0, normalise(template.getTemplate())));
            return templates;
        }
        return List.of();
    }

    private static String normalise(String template) {
        if (template.isEmpty() || template.equals("/")) {
            return "";
        }
        return template.startsWith("/") ? template : "/" + template;
    }
}
