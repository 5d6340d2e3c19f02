package io.datapipe.persister;

import io.datapipe.http.Answer;
import io.datapipe.http.ApiRoutes;
import io.datapipe.security.BearerAuthentication;
import io.datapipe.security.Roles;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

/**
 * Serves {@code GET /admin/dead-letters} and {@code POST /admin/dead-letters/replay} ({@link DeadLetterResource})
 * with the web server's own routing, as the generator and web serve their APIs: {@link ApiRoutes} does the
 * span, 406 unless the caller accepts {@code application/json}, the token and the {@code data.admin} role, the
 * rate limits, problem+json, metrics and access log. {@code OPTIONS} answers {@code Allow}, other methods are
 * 405. The OpenAPI document of these endpoints is the static {@code META-INF/openapi.yaml}.
 */
@ApplicationScoped
public class DeadLetterRoutes implements HttpService {

    private static final String LIST = "/admin/dead-letters";
    private static final String REPLAY = "/admin/dead-letters/replay";

    private final DeadLetterResource deadLetters;
    private final ApiRoutes routes;
    private final ApiRoutes.Authenticator admin;

    @Inject
    DeadLetterRoutes(DeadLetterResource deadLetters, ApiRoutes routes, Config config) {
        this.deadLetters = deadLetters;
        this.routes = routes;
        this.admin = BearerAuthentication.from(config).requiring(Roles.DATA_ADMIN);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get(LIST, routes.handler(LIST, ApiRoutes.ACCEPTS_JSON, admin, (request, userId, quota) ->
                        Answer.ok(deadLetters.list(limit(request)))))
                .post(REPLAY, routes.handler(REPLAY, ApiRoutes.ACCEPTS_JSON, admin, (request, userId, quota) ->
                        Answer.ok(deadLetters.replay(limit(request)))))
                .options(LIST, routes.options(LIST, "GET,OPTIONS"))
                .options(REPLAY, routes.options(REPLAY, "POST,OPTIONS"))
                .any(LIST, routes.methodNotAllowed(LIST, "GET,OPTIONS"))
                .any(REPLAY, routes.methodNotAllowed(REPLAY, "POST,OPTIONS"));
    }

    private static String limit(ServerRequest request) {
        return request.query().first("limit").orElse(null);
    }
}
