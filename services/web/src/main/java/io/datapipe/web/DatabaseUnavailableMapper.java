package io.datapipe.web;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;

import io.datapipe.http.ApiException;
import io.datapipe.http.ProblemResponses;
import io.datapipe.http.UnexpectedExceptionMapper;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.PersistenceException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.inject.ConfigProperties;

import static java.lang.System.Logger.Level.WARNING;

/**
 * A read that failed because the database is unreachable answers 503 with {@code Retry-After}; any
 * other persistence failure is a bug and goes to the generic 500.
 */
@Provider
@ApplicationScoped
public class DatabaseUnavailableMapper implements ExceptionMapper<PersistenceException> {

    private static final System.Logger LOGGER = System.getLogger(DatabaseUnavailableMapper.class.getName());

    private final Duration retryAfter;
    private final UnexpectedExceptionMapper unexpected = new UnexpectedExceptionMapper();

    @Inject
    DatabaseUnavailableMapper(@ConfigProperties WebConfig config) {
        this.retryAfter = config.retryAfter();
    }

    @Override
    public Response toResponse(PersistenceException exception) {
        if (!isUnavailability(exception)) {
            return unexpected.toResponse(exception);
        }
        LOGGER.log(WARNING, () -> "database unavailable: " + exception.getMessage());
        ApiException problem = ApiException.serviceUnavailable("the database is unavailable", retryAfter);
        return ProblemResponses.of(problem.problem(), problem.headers());
    }

    static boolean isUnavailability(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
