package io.datapipe.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the database: up when a pooled connection can be had and answers. While the database is
 * unreachable the service is not ready: web stops getting traffic, the persister holds its messages.
 */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements HealthCheck {

    private final DatabaseProbe probe;

    @Inject
    DatabaseHealthCheck(DatabaseProbe probe) {
        this.probe = probe;
    }

    @Override
    public HealthCheckResponse call() {
        DatabaseProbe.Answer answer = probe.latest();
        return answer.failure().map(error -> HealthCheckResponse.named("database").down().withData("error", error).build())
                .orElseGet(() -> HealthCheckResponse.named("database").up().build());
    }
}
