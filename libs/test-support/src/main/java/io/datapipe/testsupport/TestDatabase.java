package io.datapipe.testsupport;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * A database created for one test; closing it drops it, even if connections are still open.
 */
public final class TestDatabase implements AutoCloseable {

    private final TestPostgres server;
    private final String name;

    TestDatabase(TestPostgres server, String name) {
        this.server = server;
        this.name = name;
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    /**
     * The service configuration that points at this database.
     *
     * @return {@code datapipe.db.url}, {@code .user} and {@code .password}
     */
    public Map<String, String> serviceConfig() {
        return Map.of("datapipe.db.url", jdbcUrl(),
                      "datapipe.db.user", user(),
                      "datapipe.db.password", password());
    }

    /**
     * Opens a connection; the caller closes it.
     *
     * @return an open connection
     * @throws SQLException when the server refuses
     */
    public Connection connect() throws SQLException {
        return server.connect(name);
    }

    @Override
    public void close() {
        server.drop(name);
    }
}
