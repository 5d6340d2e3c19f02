package io.datapipe.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * Asks the database whether it answers: a pooled connection that passes {@link Connection#isValid}.
 *
 * <p>The readiness check reads the latest answer, refreshed in the background every
 * {@code datapipe.db.health-interval-ms} (default 2000), so that a probe answers at once even while the
 * database hangs (a live check can take the pool's whole connection timeout). Code that must tell a
 * failing record from a failing database asks live.
 */
@ApplicationScoped
public class DatabaseProbe {

    private static final Context UNSAMPLED = Context.root().with(Span.wrap(SpanContext.create(
            "00000000000000000000000000000002", "0000000000000002", TraceFlags.getDefault(), TraceState.getDefault())));

    private final DataSource dataSource;
    private final ScheduledExecutorService refresher;
    private volatile Answer latest = new Answer(Optional.of("not checked yet"));

    /**
     * What the database answered to one probe.
     *
     * @param failure why it did not answer; empty when it did
     */
    public record Answer(Optional<String> failure) {

        /** @return whether the database answered */
        public boolean reachable() {
            return failure.isEmpty();
        }
    }

    @Inject
    DatabaseProbe(@Named("datapipe") DataSource dataSource,
                  @RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE) MetricRegistry registry,
                  @ConfigProperty(name = "datapipe.db.health-interval-ms", defaultValue = "2000") long intervalMs) {
        this.dataSource = dataSource;
        registry.gauge(Metadata.builder().withName("datapipe.db.up")
                               .withDescription("1 while the database answers the background probe").build(),
                       () -> latest.reachable() ? 1 : 0);
        this.refresher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "datapipe-db-probe");
            thread.setDaemon(true);
            return thread;
        });
        refresher.scheduleWithFixedDelay(this::refresh, 0, Duration.ofMillis(intervalMs).toMillis(),
                                         TimeUnit.MILLISECONDS);
    }

    /**
     * The latest background answer.
     *
     * @return whether the database answered, and why not
     */
    public Answer latest() {
        return latest;
    }

    /**
     * Probes the database now.
     *
     * @return whether it answers
     */
    public boolean isReachable() {
        Answer now = check();
        latest = now;
        return now.reachable();
    }

    /**
     * Refreshes the latest answer under an unsampled parent span: with the OpenTelemetry agent's
     * parent-based sampler, a probe every two seconds must not become a trace every two seconds.
     */
    private void refresh() {
        try (Scope ignored = UNSAMPLED.makeCurrent()) {
            latest = check();
        }
    }

    private Answer check() {
        try (Connection connection = dataSource.getConnection()) {
            return new Answer(connection.isValid(2) ? Optional.empty() : Optional.of("connection is not valid"));
        } catch (SQLException | RuntimeException e) {
            return new Answer(Optional.of(e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    @PreDestroy
    void stop() {
        refresher.shutdownNow();
    }
}
