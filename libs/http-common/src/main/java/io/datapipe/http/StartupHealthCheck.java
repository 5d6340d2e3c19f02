package io.datapipe.http;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * Down until the service has finished starting, shutdown handling included (see {@link ServiceMain}):
 * on {@code /health/started} and {@code /health/ready}.
 */
@Startup
@Readiness
@ApplicationScoped
public class StartupHealthCheck implements HealthCheck {

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("startup").status(!ServiceMain.isStarting()).build();
    }
}
