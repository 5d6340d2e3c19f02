package io.datapipe.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.ServiceProcesses;

import static org.awaitility.Awaitility.await;

/**
 * One packaged service running as its own process, configured through system properties, with its
 * output in {@code target/e2e-logs/<name>-<n>.log}. With the OpenTelemetry agent attached, standard error
 * (where the agent writes, exported spans included) goes to {@code <name>-<n>.agent.log} instead: the
 * agent's long lines and the service's own log lines are written to the same file otherwise, and one can
 * land in the middle of the other.
 */
final class ServiceProcess implements AutoCloseable {

    private static final java.util.concurrent.atomic.AtomicInteger STARTS = new java.util.concurrent.atomic.AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long a service may take to listen, and then to be ready: with the OpenTelemetry agent on a
     * loaded two-core machine a start took more than 60 s.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final String name;
    private final Process process;
    private final Path log;
    private final Path agentLog;
    private volatile int port;

    private ServiceProcess(String name, Process process, Path log, Path agentLog) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.agentLog = agentLog;
    }

    static ServiceProcess start(String name, Map<String, String> config) throws IOException {
        return start(name, config, false, Map.of());
    }

    /**
     * Starts a service, optionally with the OpenTelemetry Java agent the image uses.
     *
     * @param name        service name
     * @param config      system properties (MicroProfile Config keys)
     * @param traced      attach the agent from {@code target/otel}
     * @param environment extra environment variables (for example {@code OTEL_*})
     */
    static ServiceProcess start(String name, Map<String, String> config, boolean traced, Map<String, String> environment)
            throws IOException {
        Path services = Path.of(System.getProperty("datapipe.services.dir", "../services"));
        Path jar = ServiceProcesses.jar(services, name, "mvn verify");
        Path logs = Path.of(System.getProperty("datapipe.e2e.logs", "target/e2e-logs"));
        Files.createDirectories(logs);
        int start = STARTS.incrementAndGet();
        Path log = logs.resolve(name + "-" + start + ".log");
        Path agentLog = traced ? logs.resolve(name + "-" + start + ".agent.log") : log;
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        // The images' flags, so that the tests run the services as the pods do.
        command.addAll(ServiceProcesses.CONTAINER_JVM_OPTIONS);
        if (traced) {
            command.add("-javaagent:" + jar.getParent().resolve("otel").resolve("opentelemetry-javaagent.jar"));
        }
        // The service binds a port of the kernel's choosing and logs it: no window in which another
        // process could take a port picked in advance.
        command.add("-Dserver.port=0");
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(ServiceProcesses.CONTAINER_ENVIRONMENT);
        builder.environment().putAll(environment);
        builder.directory(jar.getParent().toFile()).redirectOutput(log.toFile());
        if (traced) {
            builder.redirectError(agentLog.toFile());
        } else {
            builder.redirectErrorStream(true);
        }
        return new ServiceProcess(name, builder.start(), log, agentLog);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** The port the service listens on, once it has said so in its log. */
    int port() {
        if (port == 0) {
            await("port of " + name).atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        checkAlive();
                        port = ServiceProcesses.listeningPort(log);
                        return port != 0;
                    });
        }
        return port;
    }

    void awaitReady() {
        awaitReady(Duration.ofMillis(200));
    }

    /** Waits until the service reports ready, asking at this interval. */
    void awaitReady(Duration pollInterval) {
        URI ready = uri("/health/ready");
        await("readiness of " + name).atMost(START_TIMEOUT).pollInterval(pollInterval)
                .until(() -> {
                    checkAlive();
                    return ServiceProcesses.status(HTTP, ready, STATUS_TIMEOUT) == 200;
                });
    }

    private void checkAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited; see " + log);
        }
    }

    /** The service's output: its JSON log lines (and, without the agent, standard error too). */
    Path log() {
        return log;
    }

    /** Standard error when the agent is attached (its own lines and the spans it exports), else {@link #log()}. */
    Path agentLog() {
        return agentLog;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Kills the process at once (SIGKILL): no shutdown hook, no drain, as a crash or an OOM kill. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** Asks the process to stop (SIGTERM) and waits until it has. */
    int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not stop within 60 s of SIGTERM; see " + log);
        }
        return process.exitValue();
    }

    /** The value of one sample on /metrics (the first series of that name), or -1 when absent. */
    double metric(String name) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(uri("/metrics")).timeout(Duration.ofSeconds(5)).GET().build(),
                                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : body.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return -1;
    }

    /** The HTTP status of a GET, or -1 when the service does not answer. */
    int statusOf(String path) {
        return ServiceProcesses.status(HTTP, uri(path), STATUS_TIMEOUT);
    }

    /** Stops the service as Kubernetes would: SIGTERM, then SIGKILL if it does not exit in time. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
