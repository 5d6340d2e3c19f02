package io.datapipe.store;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;
import org.flywaydb.core.api.MigrationInfo;

/**
 * Readiness of the schema, where a service does not migrate it itself ({@code datapipe.db.migrate=false})
 * but needs it ({@code datapipe.db.require-schema=true}, the persister): down while a migration this build
 * carries has not been applied (the release's migration Job has not run yet, or failed), up from the first
 * time every one has, and not asked again after that.
 */
@Readiness
@ApplicationScoped
public class SchemaHealthCheck implements HealthCheck {

    private final DataSource dataSource;
    private volatile boolean current;

    @Inject
    SchemaHealthCheck(@Named("datapipe") DataSource dataSource,
                      @ConfigProperty(name = "datapipe.db.migrate", defaultValue = "false") boolean migrate,
                      @ConfigProperty(name = "datapipe.db.require-schema", defaultValue = "false") boolean required) {
        this.dataSource = dataSource;
        // A service that migrates at start does not start before the schema is current.
        this.current = !required || migrate;
    }

    @Override
    public HealthCheckResponse call() {
        if (current) {
            return HealthCheckResponse.named("schema").up().build();
        }
        try {
            MigrationInfo[] pending = SchemaMigration.flyway(dataSource).info().pending();
            if (pending.length == 0) {
                current = true;
                return HealthCheckResponse.named("schema").up().build();
            }
            return HealthCheckResponse.named("schema").down()
                    .withData("pending", pending.length)
                    .withData("needs", pending[pending.length - 1].getVersion().getVersion())
                    .build();
        } catch (RuntimeException e) {
            return HealthCheckResponse.named("schema").down()
                    .withData("error", e.getClass().getSimpleName() + ": " + e.getMessage()).build();
        }
    }
}
