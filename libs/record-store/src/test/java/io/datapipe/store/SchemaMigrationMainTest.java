package io.datapipe.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import io.datapipe.testsupport.MainProcess;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;

import org.flywaydb.core.api.MigrationInfo;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SchemaMigration#main}, as the release's migration Job runs it: in a JVM of its own, the database
 * given by {@code DATAPIPE_DB_URL}, {@code _USER} and {@code _PASSWORD} in the environment, judged by its
 * exit status. Against a real PostgreSQL, in a database created for the test and dropped after it.
 */
class SchemaMigrationMainTest {

    @Test
    void migratesAnEmptyDatabaseAndExitsZeroThenFindsNothingToDo() throws Exception {
        try (TestDatabase database = TestPostgres.get().createDatabase("migration")) {
            MainProcess first = migrate(database.jdbcUrl(), database.user(), database.password());

            assertThat(first.status()).as(first.output()).isZero();
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setUrl(database.jdbcUrl());
            dataSource.setUser(database.user());
            dataSource.setPassword(database.password());
            MigrationInfo[] all = SchemaMigration.flyway(dataSource).info().all();
            assertThat(all).isNotEmpty();
            assertThat(SchemaMigration.flyway(dataSource).info().pending()).isEmpty();
            assertThat(Arrays.stream(all).map(m -> m.getState().isApplied())).containsOnly(true);
            assertThat(first.output()).contains("database schema at version " + all[all.length - 1].getVersion().getVersion())
                    .contains(all.length + " migration(s) applied now");
            try (Connection c = database.connect(); Statement s = c.createStatement();
                 ResultSet table = s.executeQuery("SELECT to_regclass('public.data_record') IS NOT NULL")) {
                assertThat(table.next() && table.getBoolean(1)).as("data_record exists").isTrue();
            }

            MainProcess again = migrate(database.jdbcUrl(), database.user(), database.password());

            assertThat(again.status()).as(again.output()).isZero();
            assertThat(again.output()).contains("0 migration(s) applied now");
        }
    }

    @Test
    void exitsNonZeroAndSaysWhyWhenTheDatabaseIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        MainProcess run = migrate("jdbc:postgresql://127.0.0.1:" + closedPort + "/datapipe", "datapipe", "");

        assertThat(run.status()).as(run.output()).isEqualTo(1);
        assertThat(run.output()).contains("database schema not migrated").contains("127.0.0.1:" + closedPort);
    }

    /** SchemaMigration's main in a new JVM with this test's class path, as the Job's container runs it. */
    private static MainProcess migrate(String url, String user, String password) throws IOException, InterruptedException {
        return MainProcess.run(SchemaMigration.class,
                               Map.of("DATAPIPE_DB_URL", url, "DATAPIPE_DB_USER", user, "DATAPIPE_DB_PASSWORD", password),
                               Duration.ofSeconds(60));
    }
}
