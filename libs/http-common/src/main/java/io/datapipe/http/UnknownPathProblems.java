package io.datapipe.http;

import io.helidon.http.NotFoundException;
import io.helidon.microprofile.server.ServerCdiExtension;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.interceptor.Interceptor;

/**
 * A path that no endpoint serves is answered like every other error: {@code 404} with a problem+json
 * body, not Helidon's plain-text "Endpoint not found". Registered on the server's routing before the
 * server starts.
 */
@ApplicationScoped
class UnknownPathProblems {

    void register(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) @Initialized(ApplicationScoped.class) Object started,
                  BeanManager beans) {
        beans.getExtension(ServerCdiExtension.class).serverRoutingBuilder()
                .error(NotFoundException.class, (request, response, e) -> {
                    Problem problem = Problem.of(404, "not-found", "Not Found", "no endpoint at this path")
                            .at(request.path().path());
                    ProblemResponses.send(response, problem, java.util.Map.of());
                });
    }
}
