package io.datapipe.web;

import io.helidon.http.HeaderNames;
import io.helidon.microprofile.server.ServerCdiExtension;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.interceptor.Interceptor;

/**
 * The response headers of the web console, which Helidon serves as static content from the classpath
 * ({@code server.static.classpath.location=/console}, built by the {@code console} module):
 * <ul>
 *     <li>the page ({@code /}, {@code /index.html}): revalidated on every load ({@code no-cache}), with the
 *     strict Content-Security-Policy of {@link ConsoleSettings#contentSecurityPolicy()};</li>
 *     <li>its scripts and styles ({@code /assets/<name>-<hash>.<ext>}): cached for a year and never
 *     revalidated ({@code immutable}): a new build has new names. Only assets that exist: a miss is not
 *     cached.</li>
 * </ul>
 * Registered on the server's routing before the server starts, ahead of the static content.
 */
@ApplicationScoped
class ConsoleHeaders {

    /** The classpath folder the console is served from. */
    static final String LOCATION = "console";

    void register(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) @Initialized(ApplicationScoped.class) Object started,
                  BeanManager beans,
                  ConsoleSettings settings) {
        String policy = settings.contentSecurityPolicy();
        ClassLoader resources = ConsoleHeaders.class.getClassLoader();
        beans.getExtension(ServerCdiExtension.class).serverRoutingBuilder()
                .addFilter((chain, request, response) -> {
                    String path = request.path().path();
                    if (path.equals("/") || path.equals("/index.html")) {
                        response.header(HeaderNames.CACHE_CONTROL, "no-cache");
                        response.header("Content-Security-Policy", policy);
                        response.header("X-Content-Type-Options", "nosniff");
                        response.header("Referrer-Policy", "no-referrer");
                    } else if (path.startsWith("/assets/") && !path.contains("..")
                            && resources.getResource(LOCATION + path) != null) {
                        response.header(HeaderNames.CACHE_CONTROL, "public, max-age=31536000, immutable");
                        response.header("X-Content-Type-Options", "nosniff");
                    }
                    chain.proceed();
                });
    }
}
