package io.datapipe.store;

import javax.sql.DataSource;

import io.helidon.logging.common.LogConfig;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

import static jakarta.interceptor.Interceptor.Priority.APPLICATION;
import static java.lang.System.Logger.Level.ERROR;
import static java.lang.System.Logger.Level.INFO;

/**
 * Brings the schema up to date with the Flyway migrations in {@code db/migration} when
 * {@code datapipe.db.migrate} is true. It runs when the application starts, after the platform's own
 * set-up (metrics, which the pool reports to) and before the server and messaging start, so nothing is
 * consumed into a table that does not exist yet. Flyway takes a database lock,
 * so several replicas starting together migrate once.
 *
 * <p>In Kubernetes the migrations run once per release instead, before the new pods start, from the
 * persister's image ({@link #main}: a Job that Argo CD runs as a Sync hook before the services' wave,
 * Helm as a pre-install and pre-upgrade hook), and the pods start with
 * {@code datapipe.db.migrate=false}: {@link SchemaHealthCheck} then keeps them not ready until the schema
 * has every migration they carry.
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
        migrate(flyway(dataSource));
    }

    /**
     * Flyway over this database with the migrations this build carries.
     *
     * @param dataSource the database
     * @return Flyway, configured
     */
    static Flyway flyway(DataSource dataSource) {
        return Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load();
    }

    private static void migrate(Flyway flyway) {
        MigrateResult result = flyway.migrate();
        String version = flyway.info().current() == null ? "none" : flyway.info().current().getVersion().getVersion();
        LOGGER.log(INFO, () -> "database schema at version " + version + " (" + result.migrationsExecuted
                + " migration(s) applied now)");
    }

    /**
     * Runs the migrations and exits, 0 when the schema is current, 1 when it could not be made so (the
     * database unreachable, a login refused, a migration failed; the reason is logged): the release-time
     * Job ({@code k8s/base/persister/migration-job.yaml}),
     * {@code launch.sh -cp /app/service.jar io.datapipe.store.SchemaMigration}. The database is the
     * services' own configuration ({@code datapipe.db.url}, {@code datapipe.db.user},
     * {@code datapipe.db.password}: {@code DATAPIPE_DB_*} in the environment); no CDI container starts.
     *
     * @param args none
     */
    public static void main(String[] args) {
        // The service's logging.properties from the class path, as Helidon reads it when a service starts: the
        // Job's lines are JSON like the services' (the persister's jar: io.datapipe.logging.JsonConsoleHandler).
        LogConfig.configureRuntime();
        try {
            Config config = ConfigProvider.getConfig();
            org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
            dataSource.setUrl(config.getValue("datapipe.db.url", String.class));
            dataSource.setUser(config.getValue("datapipe.db.user", String.class));
            dataSource.setPassword(config.getOptionalValue("datapipe.db.password", String.class).orElse(""));
            dataSource.setConnectTimeout(Math.toIntExact(
                    config.getOptionalValue("datapipe.db.connect-timeout-ms", Long.class).orElse(3000L) / 1000));
            migrate(flyway(dataSource));
        } catch (RuntimeException e) {
            LOGGER.log(ERROR, "database schema not migrated: " + e.getMessage(), e);
            System.exit(1);
        }
    }
}
