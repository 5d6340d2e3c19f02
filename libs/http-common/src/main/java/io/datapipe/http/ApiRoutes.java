package io.datapipe.http;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;

import io.datapipe.logging.LogContext;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.common.uri.UriInfo;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import static java.lang.System.Logger.Level.ERROR;

/**
 * API endpoints served by the web server's own routing rather than through JAX-RS: per request, what Jersey,
 * Helidon security and the JAX-RS filters spent around an endpoint was most of its CPU
 * (bench/results/2026-11-28-generator-web-server-routes.md). A {@linkplain #handler handler} made here does
 * what those did, once per request and with the same answers, in this order: the HTTP server span (the caller's
 * trace context continued, current while the endpoint runs), the bound on requests in progress
 * ({@code datapipe.http.max-concurrent-requests}: over it, 503 with {@code Retry-After} at once, before any other
 * work; the probes and the scrape, served elsewhere, are never refused by it), a {@link Check} of the request itself where the
 * route has one (as JAX-RS matched media types before security ran: {@link #ACCEPTS_JSON}), the bearer token
 * and the role (an {@link Authenticator}: 401, 403, 503), the caller in the log lines (libs/logging {@code LogContext}),
 * the rate limits ({@link RateLimits}: 429 and the {@code RateLimit-*} headers on every answer after it), then
 * the endpoint; every refusal as problem+json with the request path as its {@code instance} (as sent, without
 * the query), a bug as a 500 with an error id, and the request in {@code http.server.request.duration}
 * ({@link HttpServerMetrics}) and in the access log ({@link AccessLog}), under its route template.
 */
@ApplicationScoped
public class ApiRoutes {

    private static final System.Logger LOGGER = System.getLogger(ApiRoutes.class.getName());
    private static final ObjectWriter JSON = JsonMapping.mapper().writer();
    private static final TextMapGetter<ServerRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(ServerRequest request) {
            return request.headers().stream().map(header -> header.name()).toList();
        }

        @Override
        public String get(ServerRequest request, String name) {
            return request == null ? null : request.headers().first(HeaderNames.create(name)).orElse(null);
        }
    };

    /** A check of the request itself, before the caller is authenticated. */
    @FunctionalInterface
    public interface Check {
        /**
         * @param request the request
         * @throws ApiException when the request is refused
         */
        void check(ServerRequest request);
    }

    /**
     * 406 unless the request accepts {@code application/json} (no {@code Accept} header accepts anything): what
     * a JAX-RS resource that {@code @Produces} it answers.
     */
    public static final Check ACCEPTS_JSON = request -> {
        if (!request.headers().isAccepted(MediaTypes.APPLICATION_JSON)) {
            throw new ApiException(Problem.of(406, "not-acceptable", "Not Acceptable",
                                              "responses are available as application/json only"));
        }
    };
    private static final Check NONE = request -> {
    };

    /** Who sends a request, if they may do what it asks. */
    @FunctionalInterface
    public interface Authenticator {
        /**
         * @param authorization the values of the request's {@code Authorization} header
         * @return the caller's user id
         * @throws ApiException 401, 403 or 503 when the caller may not
         */
        String authenticate(List<String> authorization);
    }

    /** One endpoint behind the common checks. */
    @FunctionalInterface
    public interface Endpoint {
        /**
         * @param request the request
         * @param userId  the authenticated caller
         * @param quota   the caller's rate-limit quota ({@code null} when the limits are off), for further charges
         * @return the answer
         * @throws ApiException when the endpoint refuses the request
         */
        Answer serve(ServerRequest request, String userId, RateLimits.Quota quota);
    }

    private final RateLimits limits;
    private final HttpServerMetrics metrics;
    private final AccessLog accessLog;
    private final OpenTelemetry telemetry;
    private final Tracer tracer;
    private final int maxInProgress;
    private final Semaphore inProgress;

    @Inject
    ApiRoutes(RateLimits limits, HttpServerMetrics metrics, AccessLog accessLog, OpenTelemetry telemetry,
              @ConfigProperty(name = "datapipe.http.max-concurrent-requests") int maxInProgress) {
        if (maxInProgress < 1) {
            throw new IllegalArgumentException("datapipe.http.max-concurrent-requests must be at least 1, not " + maxInProgress);
        }
        this.maxInProgress = maxInProgress;
        this.inProgress = new Semaphore(maxInProgress);
        this.limits = limits;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.telemetry = telemetry;
        this.tracer = telemetry.getTracer(ApiRoutes.class.getName());
    }

    /**
     * The handler of one route.
     *
     * @param route         the route template, as the metric, the access log and the span name it
     * @param authenticator who the caller is and whether they may
     * @param endpoint      what the route does once the caller is admitted
     * @return the handler
     */
    public Handler handler(String route, Authenticator authenticator, Endpoint endpoint) {
        return handler(route, NONE, authenticator, endpoint);
    }

    /**
     * The handler of one route that checks the request before it authenticates the caller.
     *
     * @param route         the route template, as the metric, the access log and the span name it
     * @param before        the check of the request itself
     * @param authenticator who the caller is and whether they may
     * @param endpoint      what the route does once the caller is admitted
     * @return the handler
     */
    public Handler handler(String route, Check before, Authenticator authenticator, Endpoint endpoint) {
        return (request, response) -> serve(request, response, route, before, authenticator, endpoint);
    }

    /**
     * The handler of {@code OPTIONS} on a route: {@code 200} with the {@code Allow} header and no body, as JAX-RS
     * answers it; counted under the route.
     *
     * @param route the route template
     * @param allow the {@code Allow} header
     * @return the handler
     */
    public Handler options(String route, String allow) {
        return (request, response) -> {
            long started = System.nanoTime();
            response.header("Allow", allow);
            response.send();
            metrics.record(request.prologue().method().text(), route, 200, started);
        };
    }

    /**
     * The handler of the other methods on a route: 405 with an {@code Allow} header, counted and logged under
     * the route.
     *
     * @param route the route template
     * @param allow the {@code Allow} header
     * @return the handler
     */
    public Handler methodNotAllowed(String route, String allow) {
        return (request, response) -> {
            long started = System.nanoTime();
            String method = request.prologue().method().text();
            ProblemResponses.send(response, Problem.of(405, "method-not-allowed", "Method Not Allowed",
                                                       "this method is not allowed here").at(request.path().rawPath()),
                                  Map.of("Allow", allow));
            accessLog.record(method, route, 405, started);
            metrics.record(method, route, 405, started);
        };
    }

    private void serve(ServerRequest request, ServerResponse response, String route, Check before,
                       Authenticator authenticator, Endpoint endpoint) {
        long started = System.nanoTime();
        String method = request.prologue().method().text();
        Span span = serverSpan(request, method, route);
        int status = 500;
        try (Scope ignored = span.makeCurrent()) {
            status = answer(request, response, before, authenticator, endpoint, span);
            // While the caller and the span are current: the line carries them.
            accessLog.record(method, route, status, started);
        } finally {
            LogContext.userId(null);
            span.setAttribute("http.status_code", status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            metrics.record(method, route, status, started);
        }
    }

    /** Admits the request within the bound on requests in progress, or refuses it with 503; returns its status. */
    private int answer(ServerRequest request, ServerResponse response, Check before, Authenticator authenticator,
                       Endpoint endpoint, Span span) {
        if (!inProgress.tryAcquire()) {
            ApiException overloaded = ApiException.serviceUnavailable(
                    "already " + maxInProgress + " requests in progress here; try again shortly", Duration.ofSeconds(1));
            ProblemResponses.send(response, overloaded.problem().at(request.path().rawPath()), overloaded.headers());
            return 503;
        }
        try {
            return admitted(request, response, before, authenticator, endpoint, span);
        } finally {
            inProgress.release();
        }
    }

    /** Checks the request, lets the endpoint serve it, and sends the answer or the problem; returns its status. */
    private int admitted(ServerRequest request, ServerResponse response, Check before, Authenticator authenticator,
                         Endpoint endpoint, Span span) {
        RateLimits.Quota quota = null;
        try {
            before.check(request);
            String userId = authenticator.authenticate(request.headers().all(HeaderNames.AUTHORIZATION, List::of));
            LogContext.userId(userId);
            quota = limits.admit(userId);
            Answer answer = endpoint.serve(request, userId, quota);
            send(response, answer, limits.headers(quota));
            return answer.status();
        } catch (ApiException refused) {
            Map<String, String> headers = new HashMap<>(limits.headers(quota));
            headers.putAll(refused.headers());
            ProblemResponses.send(response, refused.problem().at(request.path().rawPath()), headers);
            return refused.problem().status();
        } catch (RuntimeException bug) {
            String errorId = UUID.randomUUID().toString();
            LOGGER.log(ERROR, "unexpected error " + errorId + " on " + request.path().rawPath(), bug);
            span.recordException(bug);
            ProblemResponses.send(response, Problem.internalError(errorId).at(request.path().rawPath()), Map.of());
            return 500;
        }
    }

    /**
     * The HTTP server span, with the attributes Helidon's JAX-RS tracing filter gave it, in the caller's trace.
     * The scheme, host and port come from the requested URI, which Helidon works out with a {@code getsockname}
     * call per request: 2 % of the generator's CPU at 1 000 POST/s when nothing records the span (no agent, or a
     * trace not sampled), so they are asked for only when the span records.
     */
    private Span serverSpan(ServerRequest request, String method, String route) {
        Context parent = telemetry.getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
        Span span = tracer.spanBuilder(method + " " + route)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.method", method)
                .setAttribute("http.target", request.path().rawPath())
                .setAttribute("http.route", route)
                .startSpan();
        if (span.isRecording()) {
            UriInfo uri = request.requestedUri();
            span.setAttribute("http.scheme", uri.scheme())
                    .setAttribute("net.host.name", uri.host())
                    .setAttribute("net.host.port", (long) uri.port());
        }
        return span;
    }

    private static void send(ServerResponse response, Answer answer, Map<String, String> rateLimit) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(answer.body());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        response.status(Status.create(answer.status()));
        rateLimit.forEach(response::header);
        answer.headers().forEach(response::header);
        response.header(HeaderNames.CONTENT_TYPE, "application/json");
        response.send(body);
    }
}
