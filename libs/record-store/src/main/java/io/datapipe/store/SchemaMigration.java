package io.datapipe.store;

import javax.sql.DataSource;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import static jakarta.interceptor.Interceptor.Priority.APPLICATION;
import static java.lang.System.Logger.Level.INFO;

/**
 * Brings the schema up to date with the Flyway migrations in {@code db/migration} when
 * {@code datapipe.db.migrate} is true. It runs when the application starts, after the platform's own
 * set-up (metrics, which the pool reports to) and before the server and messaging start, so nothing is
 * consumed into a table that does not exist yet. Flyway takes a database lock,
 * so several replicas starting together migrate once.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final System.Logger LOGGER = System.getLogger(SchemaMigration.class.getName());

    private final DataSource dataSource;
    private final boolean migrate;

    @Inject
    SchemaMigration(@Named("datapipe") DataSource dataSource,
                    @ConfigProperty(name = "datapipe.db.migrate", defaultValue = "false") boolean migrate) {
        this.dataSource = dataSource;
        this.migrate = migrate;
    }

    void onStart(@Observes @Priority(APPLICATION) @Initialized(ApplicationScoped.class) Object event) {
        if (!migrate) {
            return;
        }
        Flyway flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .load();
        MigrateResult result = flyway.migrate();
        String version = flyway.info().current() == null ? "none" : flyway.info().current().getVersion().getVersion();
        LOGGER.log(INFO, () -> "database schema at version " + version + " (" + result.migrationsExecuted
                + " migration(s) applied now)");
    }
}
