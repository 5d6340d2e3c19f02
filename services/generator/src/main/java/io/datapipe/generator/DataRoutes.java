package io.datapipe.generator;

import io.datapipe.http.ApiException;
import io.datapipe.http.ApiRoutes;
import io.datapipe.http.Problem;
import io.datapipe.security.BearerAuthentication;
import io.datapipe.security.Roles;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.inject.ConfigProperties;

/**
 * Serves {@code POST /data} ({@link DataResource}) and {@code POST /data/batch} ({@link BatchResource}) with the
 * web server's own routing, not through JAX-RS (bench/results/2026-11-28-batch-and-generator-profile.md): the
 * span, the token and the {@code data.write} role, the rate limits, problem+json, metrics and access log are
 * {@link ApiRoutes}'s; the media type is checked here ({@code application/json} only, 415), then the body's room
 * in the {@link BodyBudget} reserved (503), before the body is read. CORS is the server's
 * own feature, in front of every route. The OpenAPI document of these endpoints is the static
 * {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class DataRoutes implements HttpService {

    private final DataResource records;
    private final BatchResource batches;
    private final BodyBudget bodies;
    private final GeneratorConfig limits;
    private final ApiRoutes routes;
    private final ApiRoutes.Authenticator writer;

    @Inject
    DataRoutes(DataResource records, BatchResource batches, BodyBudget bodies, @ConfigProperties GeneratorConfig limits,
               ApiRoutes routes, Config config) {
        this.records = records;
        this.batches = batches;
        this.bodies = bodies;
        this.limits = limits;
        this.routes = routes;
        this.writer = BearerAuthentication.from(config).requiring(Roles.DATA_WRITE);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/data", routes.handler("/data", writer, (request, userId, quota) -> {
                    requireJson(request);
                    String length = contentLength(request);
                    try (BodyBudget.Reservation body = bodies.reserve(length, limits.maxBodyBytes())) {
                        return records.create(request.content().inputStream(), length, idempotencyKey(request), userId);
                    }
                }))
                .post("/data/batch", routes.handler("/data/batch", writer, (request, userId, quota) -> {
                    requireJson(request);
                    String length = contentLength(request);
                    try (BodyBudget.Reservation body = bodies.reserve(length, limits.batchMaxBodyBytes())) {
                        return batches.create(request.content().inputStream(), length, idempotencyKey(request), userId, quota);
                    }
                }))
                .any("/data", routes.methodNotAllowed("/data", "POST,OPTIONS"))
                .any("/data/batch", routes.methodNotAllowed("/data/batch", "POST,OPTIONS"));
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

    private static String contentLength(ServerRequest request) {
        return request.headers().first(HeaderNames.CONTENT_LENGTH).orElse(null);
    }

    private static String idempotencyKey(ServerRequest request) {
        return request.headers().first(HeaderNames.create(IdempotencyKeys.HEADER)).orElse(null);
    }
}
