package io.datapipe.store;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
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

    private final DataSource dataSource;

    @Inject
    DatabaseHealthCheck(@Named("datapipe") DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public HealthCheckResponse call() {
        try (Connection connection = dataSource.getConnection()) {
            boolean valid = connection.isValid(2);
            return HealthCheckResponse.named("database").status(valid).build();
        } catch (SQLException e) {
            return HealthCheckResponse.named("database").down()
                    .withData("error", e.getClass().getSimpleName() + ": " + e.getMessage())
                    .build();
        }
    }

    /**
     * Whether the database answers now, for code that must tell a failing record from a failing database.
     *
     * @return {@code true} when a connection answers
     */
    public boolean isReachable() {
        return call().getStatus() == HealthCheckResponse.Status.UP;
    }
}
