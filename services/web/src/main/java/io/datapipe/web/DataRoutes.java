package io.datapipe.web;

import io.datapipe.http.Answer;
import io.datapipe.http.ApiRoutes;
import io.datapipe.security.BearerAuthentication;
import io.datapipe.security.Roles;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/**
 * Serves {@code GET /data} and {@code GET /data/{id}} ({@link DataResource}) with the web server's own routing,
 * not through JAX-RS: Jersey and Helidon security were most of a GET's CPU
 * (bench/results/2026-11-28-generator-web-server-routes.md). {@link ApiRoutes} does the rest as JAX-RS did it:
 * 406 unless the caller accepts {@code application/json} (before the token), the span, the token and the
 * {@code data.read} role, the rate limits, problem+json, metrics and access log; {@code OPTIONS} answers
 * {@code Allow}, other methods are 405 ({@code HEAD} too, which JAX-RS answered as a GET without the body).
 * {@code /data/} lists as {@code /data} does. The OpenAPI document of these endpoints is the static
 * {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class DataRoutes implements HttpService {

    private static final String ALLOW = "GET,OPTIONS";

    private final DataResource records;
    private final ApiRoutes routes;
    private final ApiRoutes.Authenticator reader;

    @Inject
    DataRoutes(DataResource records, ApiRoutes routes, Config config) {
        this.records = records;
        this.routes = routes;
        this.reader = BearerAuthentication.from(config).requiring(Roles.DATA_READ);
    }

    @Override
    public void routing(HttpRules rules) {
        Handler list = routes.handler("/data", ApiRoutes.ACCEPTS_JSON, reader, (request, userId, quota) ->
                Answer.ok(records.list(query(request, "limit"), query(request, "cursor"), userId)));
        rules.get("/data", list)
                .get("/data/", list)
                .get("/data/{id}", routes.handler("/data/{id}", ApiRoutes.ACCEPTS_JSON, reader, (request, userId, quota) ->
                        Answer.ok(records.get(request.path().pathParameters().get("id"), userId))))
                .options("/data", routes.options("/data", ALLOW))
                .options("/data/{id}", routes.options("/data/{id}", ALLOW))
                .any("/data", routes.methodNotAllowed("/data", ALLOW))
                .any("/data/{id}", routes.methodNotAllowed("/data/{id}", ALLOW));
    }

    private static String query(ServerRequest request, String name) {
        return request.query().first(name).orElse(null);
    }
}
