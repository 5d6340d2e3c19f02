package io.datapipe.generator;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.datapipe.http.AccessLog;
import io.datapipe.http.ApiException;
import io.datapipe.http.CallerLogContext;
import io.datapipe.http.HttpServerMetrics;
import io.datapipe.http.JsonMapping;
import io.datapipe.http.Problem;
import io.datapipe.http.ProblemResponses;
import io.datapipe.http.RateLimits;
import io.datapipe.security.BearerAuthentication;
import io.datapipe.security.JwtSettings;
import io.datapipe.security.Roles;
import io.datapipe.security.TokenVerifier;
import io.datapipe.security.VerifiedToken;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
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
import org.eclipse.microprofile.config.Config;

import static java.lang.System.Logger.Level.ERROR;

/**
 * Serves {@code POST /data} ({@link DataResource}) and {@code POST /data/batch} ({@link BatchResource}) with the
 * web server's own routing, not through JAX-RS: per request, what Jersey, Helidon security and the JAX-RS
 * filters spent around them was most of the generator's CPU (bench/results/2026-11-28-batch-and-generator-profile.md).
 * What those did is done here once, in the same order and with the same answers: the HTTP server span (the
 * caller's trace context continued, current while the records are published), the bearer token and the
 * {@code data.write} role ({@link BearerAuthentication}: 401, 403, 503), the rate limits ({@link RateLimits}: 429
 * and the {@code RateLimit-*} headers), the caller in the log lines, {@code application/json} only (415), every
 * refusal as problem+json, the request in {@code http.server.request.duration} and in the access log. CORS is the server's own
 * feature, in front of every route. The OpenAPI document of these endpoints is the static
 * {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class DataRoutes implements HttpService {

    private static final System.Logger LOGGER = System.getLogger(DataRoutes.class.getName());
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

    /** One endpoint behind the common checks. */
    @FunctionalInterface
    private interface Endpoint {
        Answer serve(ServerRequest request, String userId, RateLimits.Quota quota);
    }

    private final DataResource records;
    private final BatchResource batches;
    private final BearerAuthentication authentication;
    private final RateLimits limits;
    private final HttpServerMetrics metrics;
    private final AccessLog accessLog;
    private final OpenTelemetry telemetry;
    private final Tracer tracer;

    @Inject
    DataRoutes(DataResource records, BatchResource batches, RateLimits limits, HttpServerMetrics metrics,
               AccessLog accessLog, OpenTelemetry telemetry, Config config) {
        this.records = records;
        this.batches = batches;
        this.authentication = new BearerAuthentication(TokenVerifier.of(JwtSettings.from(config)));
        this.limits = limits;
        this.metrics = metrics;
        this.accessLog = accessLog;
        this.telemetry = telemetry;
        this.tracer = telemetry.getTracer(DataRoutes.class.getName());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/data", (request, response) -> serve(request, response, "/data",
                (req, userId, quota) -> records.create(req.content().inputStream(), contentLength(req),
                                                       idempotencyKey(req), userId)))
                .post("/data/batch", (request, response) -> serve(request, response, "/data/batch",
                        (req, userId, quota) -> batches.create(req.content().inputStream(), contentLength(req),
                                                               idempotencyKey(req), userId, quota)))
                .any("/data", (request, response) -> methodNotAllowed(request, response, "/data"))
                .any("/data/batch", (request, response) -> methodNotAllowed(request, response, "/data/batch"));
    }

    private void serve(ServerRequest request, ServerResponse response, String route, Endpoint endpoint) {
        long started = System.nanoTime();
        String method = request.prologue().method().text();
        Span span = serverSpan(request, method, route);
        int status = 500;
        try (Scope ignored = span.makeCurrent()) {
            status = answer(request, response, endpoint, span);
            // While the caller and the span are current: the line carries them.
            accessLog.record(method, route, status, started);
        } finally {
            CallerLogContext.caller(null);
            span.setAttribute("http.status_code", status);
            if (status >= 500) {
                span.setStatus(StatusCode.ERROR);
            }
            span.end();
            metrics.record(method, route, status, started);
        }
    }

    /** Checks the request, lets the endpoint serve it, and sends the answer or the problem; returns its status. */
    private int answer(ServerRequest request, ServerResponse response, Endpoint endpoint, Span span) {
        RateLimits.Quota quota = null;
        try {
            VerifiedToken caller = authentication.authenticate(
                    request.headers().all(HeaderNames.AUTHORIZATION, List::of), Roles.DATA_WRITE);
            CallerLogContext.caller(caller.subject());
            quota = limits.admit(caller.subject());
            requireJson(request);
            Answer answer = endpoint.serve(request, caller.subject(), quota);
            send(response, answer, limits.headers(quota));
            return answer.status();
        } catch (ApiException refused) {
            Map<String, String> headers = new java.util.HashMap<>(limits.headers(quota));
            headers.putAll(refused.headers());
            ProblemResponses.send(response, refused.problem().at(request.path().path()), headers);
            return refused.problem().status();
        } catch (RuntimeException bug) {
            String errorId = UUID.randomUUID().toString();
            LOGGER.log(ERROR, "unexpected error " + errorId + " on " + request.path().path(), bug);
            span.recordException(bug);
            ProblemResponses.send(response, Problem.internalError(errorId).at(request.path().path()), Map.of());
            return 500;
        }
    }

    /** The HTTP server span, with the attributes Helidon's JAX-RS tracing filter gives it, in the caller's trace. */
    private Span serverSpan(ServerRequest request, String method, String route) {
        Context parent = telemetry.getPropagators().getTextMapPropagator().extract(Context.root(), request, HEADERS);
        return tracer.spanBuilder(method + " " + route)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.method", method)
                .setAttribute("http.scheme", request.requestedUri().scheme())
                .setAttribute("http.target", request.path().rawPath())
                .setAttribute("http.route", route)
                .setAttribute("net.host.name", request.requestedUri().host())
                .setAttribute("net.host.port", (long) request.requestedUri().port())
                .startSpan();
    }

    private void methodNotAllowed(ServerRequest request, ServerResponse response, String route) {
        long started = System.nanoTime();
        ProblemResponses.send(response, Problem.of(405, "method-not-allowed", "Method Not Allowed",
                                                   "this method is not allowed here").at(request.path().path()),
                              Map.of("Allow", "POST,OPTIONS"));
        accessLog.record(request.prologue().method().text(), route, 405, started);
        metrics.record(request.prologue().method().text(), route, 405, started);
    }

    private static void requireJson(ServerRequest request) {
        boolean json = request.headers().contentType()
                .map(HttpMediaType::mediaType)
                .map(type -> type.type().equalsIgnoreCase("application") && type.subtype().equalsIgnoreCase("json"))
                .orElse(false);
        if (!json) {
            throw new ApiException(Problem.of(415, "unsupported-media-type", "Unsupported Media Type",
                                              "the body must be application/json"));
        }
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

    private static String contentLength(ServerRequest request) {
        return request.headers().first(HeaderNames.CONTENT_LENGTH).orElse(null);
    }

    private static String idempotencyKey(ServerRequest request) {
        return request.headers().first(HeaderNames.create(IdempotencyKeys.HEADER)).orElse(null);
    }
}
