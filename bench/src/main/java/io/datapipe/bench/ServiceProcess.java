package io.datapipe.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.datapipe.testsupport.ServiceProcesses;

/**
 * One packaged service ({@code services/<name>/target/datapipe-<name>.jar}) started as its own process,
 * as {@code make up} and the end-to-end tests start it, configured through {@code -D} system properties,
 * with its output in {@code <out>/logs/<name>-<n>.log}. It knows how long it took to become ready, its
 * resident memory and CPU time (from {@code /proc}).
 *
 * <p>Every process started is remembered until it is stopped, so that a shutdown hook can stop whatever is
 * left when the harness fails or is interrupted.
 */
final class ServiceProcess implements AutoCloseable {

    private static final Set<ServiceProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger STARTS = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

    private final String name;
    private volatile int port;
    private final Process process;
    private final long startedNanos;
    private final Path log;
    private long readyMillis = -1;

    private ServiceProcess(String name, Process process, long startedNanos, Path log) {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        this.log = log;
    }

    /**
     * Starts a packaged service.
     *
     * @param services   the {@code services/} directory
     * @param name       generator, persister or web
     * @param jvmOptions JVM options before {@code -jar}
     * @param config     system properties ({@code -Dkey=value})
     * @param logs       where its output goes
     * @return the running process, not ready yet
     * @throws IOException when it cannot be started
     */
    static ServiceProcess start(Path services, String name, List<String> jvmOptions, Map<String, String> config,
                                Path logs) throws IOException {
        Path jar = ServiceProcesses.jar(services, name, "make build");
        Files.createDirectories(logs);
        Path log = logs.resolve(name + "-" + STARTS.incrementAndGet() + ".log");
        List<String> command = new ArrayList<>();
        command.add(javaCommand());
        command.addAll(jvmOptions);
        // A port of the kernel's choosing, read back from the log: none picked in advance for another
        // process to take in between.
        command.add("-Dserver.port=0");
        config.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        Files.writeString(log, String.join(" ", command) + System.lineSeparator(), StandardCharsets.UTF_8);
        long started = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command);
        // As in the images (two malloc arenas), unless the caller's environment says otherwise.
        ServiceProcesses.CONTAINER_ENVIRONMENT.forEach(builder.environment()::putIfAbsent);
        Process process = builder
                .directory(jar.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        ServiceProcess service = new ServiceProcess(name, process, started, log);
        RUNNING.add(service);
        return service;
    }

    /** The java launcher of this JVM: the services run on the same JDK as the harness. */
    static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    URI uri(String path) {
        if (boundPort() == 0) {
            throw new IllegalStateException(name + " has not started listening yet; see " + log);
        }
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The port the service logged it listens on (read from the log until it has), or 0 before it has. */
    private int boundPort() {
        if (port == 0) {
            port = ServiceProcesses.listeningPort(log);
        }
        return port;
    }

    /**
     * Waits until {@code /health/ready} answers 200, polling every 10 ms.
     *
     * @param timeout how long to wait
     * @return milliseconds from process start to the first 200
     */
    long awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            if (boundPort() != 0 && ServiceProcesses.status(HTTP, uri("/health/ready"), STATUS_TIMEOUT) == 200) {
                readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
                return readyMillis;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    /** Fails when the process has exited: a phase must not go on measuring a dead service. */
    void ensureAlive(String phase) {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + " during " + phase + "; see " + log);
        }
    }

    long readyMillis() {
        return readyMillis;
    }

    /** @return resident memory in MiB (VmRSS of /proc/pid/status), or -1 when unknown */
    double rssMb() {
        return Procfs.rssMb(process.pid());
    }

    /** @return CPU seconds used so far (user + system), or -1 when unknown */
    double cpuSeconds() {
        return Procfs.cpuSeconds(process.pid());
    }

    /** The value of the first series of a metric on /metrics whose line contains a fragment, or NaN. */
    double metric(String name, String labelFragment) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(uri("/metrics")).timeout(Duration.ofSeconds(5)).GET().build(),
                                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && line.contains(labelFragment)) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Double.NaN;
    }

    /** Freezes the process (SIGSTOP): it holds its connections but does nothing until {@link #resume()}. */
    void suspend() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a frozen process go on (SIGCONT). */
    void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /** Stops the service as Kubernetes would: SIGTERM, then SIGKILL when it has not exited in time. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                resume();
            }
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(this);
        }
    }

    /** Kills every process still running (the shutdown hook's job): no drain, the bench is over. */
    static void killAll() {
        for (ServiceProcess service : List.copyOf(RUNNING)) {
            service.process.destroyForcibly();
            RUNNING.remove(service);
        }
    }
}
