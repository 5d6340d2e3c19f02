package io.datapipe.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL server tests use: a Testcontainers server when Docker is available, otherwise the
 * one named by {@code DATAPIPE_TEST_PG_HOST}, {@code _PORT}, {@code _USER}, {@code _PASSWORD} and
 * {@code _ADMIN_DB} (default: postgres on 127.0.0.1:5432, database postgres). Each test gets a
 * database of its own.
 */
public final class TestPostgres {

    private static final String IMAGE = "postgres:15.10-alpine";
    private static TestPostgres instance;

    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String adminDatabase;

    private TestPostgres(String host, int port, String user, String password, String adminDatabase) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.adminDatabase = adminDatabase;
    }

    /**
     * The server for this JVM, started on first use when it is a container.
     *
     * @return the server
     */
    public static synchronized TestPostgres get() {
        if (instance == null) {
            if (TestSettings.useContainers()) {
                PostgreSQLContainer<?> container = new PostgreSQLContainer<>(DockerImageName.parse(IMAGE));
                container.start();
                instance = new TestPostgres(container.getHost(), container.getMappedPort(5432),
                                            container.getUsername(), container.getPassword(),
                                            container.getDatabaseName());
            } else {
                instance = new TestPostgres(TestSettings.get("DATAPIPE_TEST_PG_HOST", "127.0.0.1"),
                                            TestSettings.getInt("DATAPIPE_TEST_PG_PORT", 5432),
                                            TestSettings.get("DATAPIPE_TEST_PG_USER", "postgres"),
                                            TestSettings.get("DATAPIPE_TEST_PG_PASSWORD", ""),
                                            TestSettings.get("DATAPIPE_TEST_PG_ADMIN_DB", "postgres"));
            }
            instance.checkReachable();
        }
        return instance;
    }

    /** A server this JVM started itself ({@link PostgresServer}), without touching the tests' shared one. */
    static TestPostgres at(String host, int port, String user, String password, String adminDatabase) {
        TestPostgres server = new TestPostgres(host, port, user, password, adminDatabase);
        server.checkReachable();
        return server;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /**
     * JDBC URL of a database on this server.
     *
     * @param database database name
     * @return the URL
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /**
     * Creates an empty database for one test.
     *
     * @param purpose what the test is about, used in the name
     * @return the database; close it to drop it
     */
    public TestDatabase createDatabase(String purpose) {
        String name = "dp_" + Unique.name(purpose);
        try (Connection admin = adminConnection(); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new TestDatabase(this, name);
    }

    void drop(String database) {
        try (Connection admin = adminConnection(); Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + database, e);
        }
    }

    Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user, password);
    }

    /**
     * Opens a connection to the administrative database (to create, drop or alter test databases).
     *
     * @return an open connection; the caller closes it
     * @throws SQLException when the server refuses
     */
    public Connection adminConnection() throws SQLException {
        return connect(adminDatabase);
    }

    private void checkReachable() {
        try (Connection ignored = adminConnection()) {
            // reachable
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL is not reachable at " + host + ":" + port
                                                    + " (set DATAPIPE_TEST_PG_HOST/PORT/USER/PASSWORD, or start it: "
                                                    + "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start)",
                                            e);
        }
    }
}
