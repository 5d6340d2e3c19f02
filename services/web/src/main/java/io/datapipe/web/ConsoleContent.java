package io.datapipe.web;

import io.datapipe.http.JsonMapping;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.microprofile.server.ServerCdiExtension;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.staticcontent.StaticContentService;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.interceptor.Interceptor;

/**
 * The web console: Helidon's static content from the classpath folder {@value #LOCATION} (built by the
 * {@code console} module), routed only on the console's own paths, so that no API request is looked up in
 * the jars first (bench/results/2026-11-28-generator-web-server-routes.md: 13 % of {@code GET /data}'s CPU),
 * with its response headers:
 * <ul>
 *     <li>the page ({@code /}, {@code /index.html}): revalidated on every load ({@code no-cache}), with the
 *     strict Content-Security-Policy of {@link ConsoleSettings#contentSecurityPolicy()};</li>
 *     <li>its scripts and styles ({@code /assets/<name>-<hash>.<ext>}): cached for a year and never
 *     revalidated ({@code immutable}): a new build has new names. Only assets that exist: a miss is not
 *     cached;</li>
 *     <li>its configuration ({@code GET /config.json}, no token): where the page signs in and sends requests,
 *     from {@link ConsoleSettings}; never cached ({@code no-store}), so a changed setting reaches the next
 *     page load.</li>
 * </ul>
 * Registered on the server's routing before the server starts.
 */
@ApplicationScoped
class ConsoleContent {

    /** The classpath folder the console is served from. */
    static final String LOCATION = "console";
    private static final String WELCOME = "index.html";

    void register(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) @Initialized(ApplicationScoped.class) Object started,
                  BeanManager beans,
                  ConsoleSettings settings) {
        String policy = settings.contentSecurityPolicy();
        ClassLoader resources = ConsoleContent.class.getClassLoader();
        Handler content = new OnlyHandler(StaticContentService.builder(LOCATION).welcomeFileName(WELCOME).build());
        Handler page = (request, response) -> {
            response.header(HeaderNames.CACHE_CONTROL, "no-cache");
            response.header("Content-Security-Policy", policy);
            response.header("X-Content-Type-Options", "nosniff");
            response.header("Referrer-Policy", "no-referrer");
            content.handle(request, response);
        };
        Handler asset = (request, response) -> {
            String path = request.path().path();
            if (!path.contains("..") && resources.getResource(LOCATION + path) != null) {
                response.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
                response.header("X-Content-Type-Options", "nosniff");
            }
            content.handle(request, response);
        };
        byte[] pageSettings;
        try {
            pageSettings = JsonMapping.mapper().writeValueAsBytes(settings.forPage());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the console's settings are not JSON", e);
        }
        Handler configuration = (request, response) -> {
            response.header(HeaderNames.CACHE_CONTROL, "no-store");
            response.header(HeaderNames.CONTENT_TYPE, "application/json");
            response.header("X-Content-Type-Options", "nosniff");
            response.send(pageSettings);
        };
        HttpRouting.Builder routing = beans.getExtension(ServerCdiExtension.class).serverRoutingBuilder();
        routing.route(Method.predicate(Method.GET, Method.HEAD), PathMatchers.exact("/"), page)
                .route(Method.predicate(Method.GET, Method.HEAD), PathMatchers.exact("/" + WELCOME), page)
                .route(Method.predicate(Method.GET, Method.HEAD), PathMatchers.prefix("/assets/"), asset)
                .route(Method.predicate(Method.GET, Method.HEAD), PathMatchers.exact("/config.json"), configuration);
    }

    /**
     * The one handler a static content service routes every GET and HEAD to, taken out of the service so that it
     * serves only the routes above; the service's start and stop (its caches) go with it.
     */
    private static final class OnlyHandler implements Handler {

        private final HttpService service;
        private final Handler handler;

        OnlyHandler(HttpService service) {
            this.service = service;
            Handler[] routed = new Handler[1];
            service.routing(new HttpRules() {
                @Override
                public HttpRules register(HttpService... services) {
                    throw new UnsupportedOperationException("static content registers no services");
                }

                @Override
                public HttpRules register(String pathPattern, HttpService... services) {
                    throw new UnsupportedOperationException("static content registers no services");
                }

                @Override
                public HttpRules route(HttpRoute route) {
                    if (routed[0] != null) {
                        throw new IllegalStateException("static content routes more than one handler");
                    }
                    routed[0] = route.handler();
                    return this;
                }
            });
            this.handler = routed[0];
        }

        @Override
        public void handle(ServerRequest request, ServerResponse response) throws Exception {
            handler.handle(request, response);
        }

        @Override
        public void beforeStart() {
            service.beforeStart();
        }

        @Override
        public void afterStop() {
            service.afterStop();
        }
    }
}
