package io.datapipe.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server of this machine's installation ({@code initdb} and {@code pg_ctl} of the
 * newest {@code /usr/lib/postgresql/<version>}), in a temporary directory on a free port, for tests that
 * restart or crash the database: never the machine's shared server. Run as user {@code postgres} when the
 * tests run as root. Trust authentication on loopback only.
 *
 * <pre>
 * try (PostgresServer server = PostgresServer.start("restart")) {
 *     TestDatabase database = server.postgres().createDatabase("restart");
 *     server.restart("fast");
 * }
 * </pre>
 *
 * Closing it stops the server at once and deletes the directory; so does a JVM shutdown hook.
 */
public final class PostgresServer implements AutoCloseable {

    private static final Path VERSIONS = Path.of("/usr/lib/postgresql");
    private static final Duration PG_CTL_BUDGET = Duration.ofSeconds(90);

    private final Path bin;
    private final Path base;
    private final int port;
    private final LocalServers.Cleanup cleanup;

    private PostgresServer(Path bin, Path base, int port) {
        this.bin = bin;
        this.base = base;
        this.port = port;
        this.cleanup = new LocalServers.Cleanup("postgres-server-cleanup", this::destroy);
    }

    /**
     * Whether a server can be started here, and if not, why.
     *
     * @return empty when it can; otherwise what is missing
     */
    public static Optional<String> unavailableBecause() {
        if (binaries().isEmpty()) {
            return Optional.of("no " + VERSIONS + "/<version>/bin/initdb (apt-get install postgresql)");
        }
        return Optional.empty();
    }

    /**
     * Creates a cluster and starts its server.
     *
     * @param purpose what for, in the directory name
     * @return the running server
     */
    public static PostgresServer start(String purpose) {
        Path bin = binaries().orElseThrow(() -> new IllegalStateException("cannot start PostgreSQL: " + unavailableBecause().orElseThrow()));
        PostgresServer server;
        try {
            Path base = Files.createTempDirectory("datapipe-postgres-" + purpose + "-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwx------"));
            server = new PostgresServer(bin, base, LocalServers.freePort());
            LocalServers.chown("postgres", base);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out a PostgreSQL cluster", e);
        }
        try {
            server.run(bin.resolve("initdb").toString(), "-D", server.data().toString(), "-U", "postgres", "-A", "trust",
                       "--no-sync", "-E", "UTF8");
            server.start();
            return server;
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /** @return the server as the tests' PostgreSQL: databases are created on it */
    public TestPostgres postgres() {
        return TestPostgres.at("127.0.0.1", port, "postgres", "", "postgres");
    }

    /** @return its port on 127.0.0.1 */
    public int port() {
        return port;
    }

    /** Starts the (stopped) server and waits until it accepts connections. */
    public void start() {
        run(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", base.resolve("server.log").toString(),
            "-w", "-t", Long.toString(PG_CTL_BUDGET.toSeconds()),
            "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + base
                    + " -c fsync=off -c max_connections=60 -c shared_buffers=32MB",
            "start");
    }

    /**
     * Stops the server.
     *
     * @param mode {@code fast} (clients disconnected, clean shutdown) or {@code immediate} (every process
     *             killed, crash recovery at the next start: as a host that fails)
     */
    public void stop(String mode) {
        run(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", mode, "-w",
            "-t", Long.toString(PG_CTL_BUDGET.toSeconds()), "stop");
    }

    /**
     * Restarts the server: every connection is closed, and it accepts new ones once it is back.
     *
     * @param mode as for {@link #stop(String)}
     */
    public void restart(String mode) {
        stop(mode);
        start();
    }

    private Path data() {
        return base.resolve("data");
    }

    private static Optional<Path> binaries() {
        try (Stream<Path> versions = Files.list(VERSIONS)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.comparing(bin -> Integer.parseInt(bin.getParent().getFileName().toString().replaceAll("\\D", "0"))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void run(String... args) {
        try {
            LocalServers.run("postgres", base, PG_CTL_BUDGET.plusSeconds(10), List.of(args));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\nthe server's log ends:\n" + serverLog(), e);
        }
    }

    private String serverLog() {
        try {
            List<String> lines = Files.readAllLines(base.resolve("server.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Stops the server at once and deletes the directory. */
    @Override
    public void close() {
        cleanup.run();
    }

    private void destroy() {
        if (Files.exists(data().resolve("postmaster.pid"))) {
            try {
                stop("immediate");
            } catch (RuntimeException e) {
                // already stopped
            }
        }
        LocalServers.deleteTree(base);
    }
}
