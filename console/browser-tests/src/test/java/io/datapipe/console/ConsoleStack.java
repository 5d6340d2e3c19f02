package io.datapipe.console;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Supplier;

import io.datapipe.localidp.LocalIdp;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTopology;

/**
 * Runs a command (the browser tests: {@code node --test}) against a whole stack of its own: the local
 * identity provider and the three packaged services as processes on free ports, a test database and a
 * test topology on the test broker. Passes the addresses on in the environment, stops everything
 * afterwards and exits with the command's status.
 *
 * <pre>
 * java -cp ... io.datapipe.console.ConsoleStack node --test test/
 * </pre>
 * The command gets {@code DATAPIPE_CONSOLE_URL}, {@code DATAPIPE_GENERATOR_URL}, {@code DATAPIPE_IDP_ISSUER}.
 * Logs: {@code target/stack-logs/}.
 */
public final class ConsoleStack {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Path ROOT = Path.of(System.getProperty("datapipe.repo", "../..")).toAbsolutePath().normalize();
    private static final Path LOGS = Path.of(System.getProperty("datapipe.stack.logs", "target/stack-logs")).toAbsolutePath();

    private final Deque<AutoCloseable> started = new ConcurrentLinkedDeque<>();

    public static void main(String[] command) throws Exception {
        if (command.length == 0) {
            throw new IllegalArgumentException("usage: ConsoleStack <command> [arguments]");
        }
        int status;
        ConsoleStack stack = new ConsoleStack();
        // Stopped on SIGTERM too (an interrupted build): no process, database or queue is left behind.
        Runtime.getRuntime().addShutdownHook(new Thread(stack::stop, "console-stack-stop"));
        try {
            Map<String, String> environment = stack.start();
            ProcessBuilder tests = new ProcessBuilder(command).inheritIO();
            tests.environment().putAll(environment);
            Process run = tests.start();
            // The tests' own children too: the browsers they launched.
            stack.started.push(() -> {
                run.descendants().forEach(ProcessHandle::destroy);
                run.destroy();
            });
            status = run.waitFor();
        } finally {
            stack.stop();
        }
        System.exit(status);
    }

    private Map<String, String> start() throws Exception {
        Files.createDirectories(LOGS);
        TestTopology topology = TestRabbitMq.get().topology("console");
        started.push(topology);
        TestDatabase database = TestPostgres.get().createDatabase("console");
        started.push(database);

        Process idpProcess = launch("local-idp", List.of("-jar", ROOT.resolve("libs/local-idp/target/datapipe-local-idp.jar").toString(),
                "--port", "0", "--keys", Files.createTempDirectory("datapipe-console-idp").toString()));
        String issuer = await("the identity provider", idpProcess, () -> issuerIn(LOGS.resolve("local-idp.log")));
        Map<String, String> jwt = Map.of("datapipe.jwt.jwks.uri", issuer + "/jwks", "datapipe.jwt.issuer", issuer,
                                         "datapipe.jwt.audience", "datapipe");

        Map<String, String> persister = new HashMap<>(TestConfig.messaging(TestRabbitMq.get(), topology));
        persister.putAll(database.serviceConfig());
        persister.putAll(jwt);
        ServiceProcess persisterProcess = service("persister", persister, 0);

        // Web and the generator name each other (the page posts to the generator, which lets web's origin
        // do so): web's port is chosen first.
        int webPort = freePort();
        String console = "http://127.0.0.1:" + webPort;
        Map<String, String> generator = new HashMap<>(TestConfig.messaging(TestRabbitMq.get(), topology));
        generator.putAll(jwt);
        generator.put("datapipe.generator.console-origin", console);
        // A bucket of 30 per user refilled at 2 a second: a test can exhaust it, the others never reach it.
        generator.put("datapipe.ratelimit.user.capacity", "30");
        generator.put("datapipe.ratelimit.user.per-second", "2");
        ServiceProcess generatorProcess = service("generator", generator, 0);

        Map<String, String> web = new HashMap<>(database.serviceConfig());
        web.putAll(jwt);
        web.put("datapipe.web.cursor-secret", "a-browser-test-cursor-secret-of-32+bytes");
        web.put("datapipe.console.post-url", generatorProcess.uri("/data").toString());
        web.put("datapipe.console.page-size", "10");
        ServiceProcess webProcess = service("web", web, webPort);

        for (ServiceProcess process : List.of(persisterProcess, generatorProcess, webProcess)) {
            process.awaitReady(START_TIMEOUT, Duration.ofMillis(200));
        }
        return Map.of("DATAPIPE_CONSOLE_URL", console + "/",
                      "DATAPIPE_GENERATOR_URL", "http://127.0.0.1:" + generatorProcess.port(),
                      "DATAPIPE_IDP_ISSUER", issuer);
    }

    /** Starts a packaged service as the pods run it (port 0: the kernel's choice); stopped with the stack. */
    private ServiceProcess service(String name, Map<String, String> config, int port) throws IOException {
        ServiceProcess process = ServiceProcess.launch(name).repository(ROOT).logs(LOGS)
                .config(config).config(Map.of("server.port", String.valueOf(port))).start();
        started.push(process);
        return process;
    }

    private Process launch(String name, List<String> arguments) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(arguments);
        // In the logs' folder: what a process writes beside itself (the transaction log) stays under target/.
        ProcessBuilder builder = new ProcessBuilder(command).directory(LOGS.toFile())
                .redirectErrorStream(true).redirectOutput(LOGS.resolve(name + ".log").toFile());
        Process process = builder.start();
        started.push(() -> {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        });
        return process;
    }

    private static <T> T await(String what, Process process, Supplier<T> value) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            T found = value.get();
            if (found != null) {
                return found;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " exited; see " + LOGS.toAbsolutePath());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(what + " did not start within " + START_TIMEOUT.toSeconds() + " s; see " + LOGS.toAbsolutePath());
    }

    private static String issuerIn(Path log) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(line -> line.startsWith(LocalIdp.LISTENING))
                    .map(line -> line.substring(LocalIdp.LISTENING.length()).strip())
                    .findFirst().orElse(null);
        } catch (IOException e) {
            return null; // not written yet
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private synchronized void stop() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("stopping the test stack: " + e);
            }
        }
    }
}
