package io.datapipe.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * Asks the database whether it answers: a pooled connection that passes {@link Connection#isValid}.
 * Used by the readiness check, and by code that must tell a failing record from a failing database.
 */
@ApplicationScoped
public class DatabaseProbe {

    private final DataSource dataSource;

    @Inject
    DatabaseProbe(@Named("datapipe") DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Probes the database.
     *
     * @return empty when it answers, otherwise what went wrong
     */
    public Optional<String> problem() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(2) ? Optional.empty() : Optional.of("connection is not valid");
        } catch (SQLException e) {
            return Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** @return whether the database answers now */
    public boolean isReachable() {
        return problem().isEmpty();
    }
}
