package io.datapipe.monitoring;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * postgres_exporter (Debian's prometheus-postgres-exporter, the prometheus-community exporter the
 * clusters run) on a free port, watching one database.
 */
public final class LocalPostgresExporter extends LocalProgram {

    private LocalPostgresExporter(Path dir, int port, List<String> arguments, Map<String, String> environment) throws IOException {
        super("prometheus-postgres-exporter", dir, port, arguments, environment, "/metrics");
    }

    /** @param dataSourceName a libpq URI, {@code postgresql://user:password@host:port/database?sslmode=disable} */
    public static LocalPostgresExporter start(String dataSourceName) throws IOException {
        Path dir = Files.createTempDirectory("postgres-exporter");
        int port = freePort();
        return new LocalPostgresExporter(dir, port, List.of("--web.listen-address=127.0.0.1:" + port),
                                         Map.of("DATA_SOURCE_NAME", dataSourceName));
    }

    /** host:port, for a scrape target. */
    public String address() {
        return url().getAuthority();
    }
}
