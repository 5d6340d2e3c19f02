package io.datapipe.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestCertificates;
import io.datapipe.testsupport.TestTokens;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * PostgreSQL over TLS, as stg and prd run it against RDS ({@code sslmode=verify-full} with a CA bundle):
 * the test starts a PostgreSQL server of its own that accepts only TLS, with a certificate from a CA it
 * makes, and checks that verified TLS works, that a plain-text connection is refused, that a server the
 * CA did not sign is refused, and that the web service runs against it through its ordinary settings.
 */
class PostgresTlsIT {

    private static Path directory;
    private static Path binaries;
    private static int port;

    @BeforeAll
    static void startTlsOnlyPostgres() throws Exception {
        binaries = postgresBinaries().orElse(null);
        assumeThat(binaries).as("PostgreSQL server binaries (initdb, pg_ctl) installed").isNotNull();
        assumeThat(TestCertificates.unavailable()).as("test certificates can be made").isNull();
        directory = Files.createTempDirectory("datapipe-pg-tls");
        port = freePort();
        makeCertificates();
        Path data = directory.resolve("data");
        run("initdb", "-D", data.toString(), "-A", "trust", "-U", "postgres", "--no-sync");
        Files.writeString(data.resolve("postgresql.conf"), String.join("\n",
                "listen_addresses = '127.0.0.1'",
                "port = " + port,
                "unix_socket_directories = '" + directory + "'",
                "ssl = on",
                "ssl_cert_file = '" + directory.resolve("server.crt") + "'",
                "ssl_key_file = '" + directory.resolve("server.key") + "'",
                "fsync = off", ""), java.nio.file.StandardOpenOption.APPEND);
        // TLS only: a plain-text connection matches the reject line.
        Files.writeString(data.resolve("pg_hba.conf"), String.join("\n",
                "local all all trust",
                "hostssl all all 127.0.0.1/32 trust",
                "hostnossl all all 127.0.0.1/32 reject", ""));
        run("pg_ctl", "-D", data.toString(), "-l", directory.resolve("server.log").toString(), "-w", "-t", "60", "start");
        try (Connection connection = connect("sslmode=verify-full&sslrootcert=" + directory.resolve("ca.crt"))) {
            connection.createStatement().execute("CREATE DATABASE datapipe");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (directory != null && binaries != null && Files.exists(directory.resolve("data/postmaster.pid"))) {
            run("pg_ctl", "-D", directory.resolve("data").toString(), "-m", "immediate", "-w", "stop");
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    @Test
    void verifiedTlsWorksAndPlainTextIsRefused() throws Exception {
        try (Connection connection = connect("sslmode=verify-full&sslrootcert=" + directory.resolve("ca.crt"));
             ResultSet ssl = connection.createStatement().executeQuery(
                     "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            assertThat(ssl.next()).isTrue();
            assertThat(ssl.getBoolean(1)).as("the connection is encrypted").isTrue();
            assertThat(ssl.getString(2)).startsWith("TLSv1.");
        }

        assertThatThrownBy(() -> connect("sslmode=disable").close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("no encryption");
    }

    @Test
    void aServerTheConfiguredCaDidNotSignIsRefused() throws Exception {
        Path otherCa = TestCertificates.authority(directory, "other-ca").certificate();

        assertThatThrownBy(() -> connect("sslmode=verify-full&sslrootcert=" + otherCa).close())
                .isInstanceOf(SQLException.class);
    }

    @Test
    void theWebServiceRunsOverVerifiedTls() throws Exception {
        TestTokens tokens = TestTokens.get();
        Map<String, String> config = new HashMap<>(tokens.serviceConfig());
        config.put("datapipe.db.url", "jdbc:postgresql://127.0.0.1:" + port + "/datapipe?sslmode=verify-full&sslrootcert="
                + directory.resolve("ca.crt"));
        config.put("datapipe.db.user", "postgres");
        config.put("datapipe.db.migrate", "true");
        try (ServiceProcess web = ServiceProcess.start("web", config)) {
            web.awaitReady();
            HttpResponse<String> page = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(web.uri("/data")).header("Authorization", "Bearer " + tokens.token("alice", "data.read"))
                            .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
        }
    }

    private static Connection connect(String parameters) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?" + parameters, "postgres", "");
    }

    private static void makeCertificates() throws Exception {
        TestCertificates.authority(directory, "ca").issue("server", "DNS:localhost", "IP:127.0.0.1");
        if (isRoot()) {
            // PostgreSQL refuses to run as root, and wants its key owned by the user it runs as.
            assertThat(command("chown", "-R", "postgres:postgres", directory.toString())).isZero();
        }
    }

    /** Runs a PostgreSQL binary, as the postgres user when this test runs as root. */
    private static void run(String binary, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        if (isRoot()) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(binaries.resolve(binary).toString());
        command.addAll(List.of(args));
        assertThat(command(command.toArray(String[]::new))).as(String.join(" ", command)).isZero();
    }

    private static int command(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        if (process.exitValue() != 0) {
            System.err.println(String.join(" ", command) + ":\n" + output);
        }
        return process.exitValue();
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Optional<Path> postgresBinaries() throws IOException {
        Path lib = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(lib)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(lib)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin -> Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.naturalOrder());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
