package io.datapipe.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One packaged service ({@code services/<name>/target/datapipe-<name>.jar}) running as its own process, as
 * the pods run it: started through {@code services/launch.sh} (the images' JVM flags) with the JVM's
 * memory taken to be the base Deployment's limit, configured through {@code -D} system properties, on a
 * port of the kernel's choosing read back from its log. The end-to-end tests and the benchmarks start
 * services with it. Plain JDK, so that a harness can use it without this module's other dependencies.
 *
 * <p>The system property {@value #JVM_OPTIONS_PROPERTY} (space-separated) adds JVM options to every start
 * of the JVM it is set in, after the images' own: the end-to-end tests set {@code -XX:TieredStopAtLevel=1}
 * there (e2e/pom.xml); the benchmarks set nothing and run exactly the images' flags.
 *
 * <pre>
 * try (ServiceProcess web = ServiceProcess.launch("web").config(Map.of("datapipe.db.url", url)).start()) {
 *     web.awaitReady(Duration.ofSeconds(60));
 *     ... web.uri("/data") ...
 * }
 * </pre>
 *
 * Every process started is remembered until it is stopped, so that {@link #killAll()} (a harness's
 * shutdown hook) can stop whatever is left.
 */
public final class ServiceProcess implements AutoCloseable {

    /** What Helidon logs once it listens; with {@code server.port=0} the port is the kernel's choice. */
    private static final Pattern STARTED = Pattern.compile("Server started on http://[^:/\\s]+:(\\d+)");
    private static final Pattern MEMORY_LIMIT = Pattern.compile("limits:\\s*\\n(?:\\s+\\w+:.*\\n)*?\\s+memory:\\s*(\\d+)Mi");
    /** Where a test run names JVM options for every service it starts; see the class comment. */
    public static final String JVM_OPTIONS_PROPERTY = "datapipe.test.service-jvm-options";
    private static final Set<ServiceProcess> RUNNING = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger STARTS = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(5);
    /** How long a start may take: with the agent, on a machine busy with other builds, over a minute. */
    private static final Duration START_BUDGET = Duration.ofSeconds(120);

    private final String name;
    private final Process process;
    private final long startedNanos;
    private final Path log;
    private final Path agentLog;
    private volatile int port;

    private ServiceProcess(String name, Process process, long startedNanos, Path log, Path agentLog) {
        this.name = name;
        this.process = process;
        this.startedNanos = startedNanos;
        this.log = log;
        this.agentLog = agentLog;
    }

    /**
     * Starts a service with these system properties and nothing else.
     *
     * @param name   generator, persister or web
     * @param config system properties (MicroProfile Config keys)
     * @return the running process, not ready yet
     * @throws IOException when it cannot be started
     */
    public static ServiceProcess start(String name, Map<String, String> config) throws IOException {
        return launch(name).config(config).start();
    }

    /**
     * What to start: the service, then options, then {@link Launch#start()}.
     *
     * @param name generator, persister or web
     * @return the launch, to configure
     */
    public static Launch launch(String name) {
        return new Launch(name);
    }

    /** How one service process is started; see {@link ServiceProcess#launch(String)}. */
    public static final class Launch {
        private final String name;
        private final Map<String, String> config = new LinkedHashMap<>();
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private Path repository = ServiceProcess.repository();
        private Path logs = Path.of(System.getProperty("datapipe.service.logs", "target/service-logs"));
        private boolean agent;
        private String mainClass;

        private Launch(String name) {
            this.name = name;
            String options = System.getProperty(JVM_OPTIONS_PROPERTY, "").strip();
            if (!options.isEmpty()) {
                jvmOptions.addAll(List.of(options.split("\\s+")));
            }
        }

        /** @param config system properties ({@code -Dkey=value}), MicroProfile Config keys; added to earlier ones */
        public Launch config(Map<String, String> config) {
            this.config.putAll(config);
            return this;
        }

        /** @param options further JVM options before {@code -jar} (after the images' own) */
        public Launch jvmOptions(List<String> options) {
            this.jvmOptions.addAll(options);
            return this;
        }

        /** @param environment environment variables of the process (for example {@code OTEL_*}) */
        public Launch environment(Map<String, String> environment) {
            this.environment.putAll(environment);
            return this;
        }

        /**
         * Attaches the OpenTelemetry Java agent the image attaches ({@code target/otel}). Standard error, where
         * the agent writes (exported spans included), then goes to {@link ServiceProcess#agentLog()}: written
         * to one file, the agent's long lines and the service's log lines can land in the middle of each other.
         */
        public Launch withAgent() {
            this.agent = true;
            return this;
        }

        /**
         * @param logs the directory of the output, {@code <name>-<n>.log}, and of the command line that started it,
         *             {@code <name>-<n>.command} (default {@code target/service-logs})
         */
        public Launch logs(Path logs) {
            this.logs = logs;
            return this;
        }

        /**
         * @param mainClass a main class of the service's jar to run instead of the service ({@code -cp jar mainClass}),
         *                  as the schema migration Job runs {@code io.datapipe.store.SchemaMigration} from the
         *                  persister's image; see {@link ServiceProcess#awaitExit(Duration)}
         */
        public Launch mainClass(String mainClass) {
            this.mainClass = mainClass;
            return this;
        }

        /** @param repository the checkout whose {@code services/} and {@code k8s/base/} to use (default: found upwards) */
        public Launch repository(Path repository) {
            this.repository = repository;
            return this;
        }

        /**
         * Starts the process.
         *
         * @return the running process, not ready yet
         * @throws IOException when it cannot be started
         * @throws IllegalStateException when the service has not been packaged
         */
        public ServiceProcess start() throws IOException {
            Path jar = repository.resolve("services").resolve(name).resolve("target").resolve("datapipe-" + name + ".jar");
            if (!Files.exists(jar)) {
                throw new IllegalStateException(jar + " is missing: package the services first (make build)");
            }
            Files.createDirectories(logs);
            int start = STARTS.incrementAndGet();
            Path log = logs.resolve(name + "-" + start + ".log").toAbsolutePath();
            Path agentLog = agent ? logs.resolve(name + "-" + start + ".agent.log").toAbsolutePath() : log;
            List<String> command = new ArrayList<>();
            command.add(repository.resolve("services").resolve("launch.sh").toString());
            // As in a pod: the JVM sizes its heap from the memory limit, as it reads a container's.
            command.add("-XX:MaxRAM=" + memoryLimitMiB(repository, name) + "m");
            command.addAll(jvmOptions);
            if (agent) {
                command.add("-javaagent:" + jar.resolveSibling("otel").resolve("opentelemetry-javaagent.jar"));
            }
            // A port of the kernel's choosing, read back from the log: none picked in advance for another
            // process to take in between.
            command.add("-Dserver.port=0");
            config.forEach((key, value) -> command.add("-D" + key + "=" + value));
            if (mainClass == null) {
                command.add("-jar");
                command.add(jar.toAbsolutePath().toString());
            } else {
                command.add("-cp");
                command.add(jar.toAbsolutePath().toString());
                command.add(mainClass);
            }
            // The command beside the log, not in it: the log holds only the service's own (JSON) lines.
            Files.writeString(logs.resolve(name + "-" + start + ".command"), String.join(" ", command) + System.lineSeparator(),
                              StandardCharsets.UTF_8);
            ProcessBuilder builder = new ProcessBuilder(command).directory(jar.getParent().toFile());
            // The services run on the harness's JDK.
            builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
            builder.environment().putAll(environment);
            builder.redirectOutput(ProcessBuilder.Redirect.to(log.toFile())); // a fresh file: a log of an earlier run names another port
            if (agent) {
                builder.redirectError(agentLog.toFile());
            } else {
                builder.redirectErrorStream(true);
            }
            long started = System.nanoTime();
            ServiceProcess service = new ServiceProcess(name, builder.start(), started, log, agentLog);
            RUNNING.add(service);
            return service;
        }
    }

    /** The memory limit of a service's container in the base Deployment ({@code k8s/base/<name>/deployment.yaml}). */
    static int memoryLimitMiB(Path repository, String name) {
        Path deployment = repository.resolve("k8s").resolve("base").resolve(name).resolve("deployment.yaml");
        try {
            Matcher limit = MEMORY_LIMIT.matcher(Files.readString(deployment));
            if (!limit.find()) {
                throw new IllegalStateException("no memory limit in Mi in " + deployment);
            }
            return Integer.parseInt(limit.group(1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The checkout: the working directory or the nearest parent of it that holds {@code services/launch.sh}. */
    private static Path repository() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("services").resolve("launch.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no services/launch.sh in " + Path.of("").toAbsolutePath() + " or above");
    }

    /** @return generator, persister or web */
    public String name() {
        return name;
    }

    /** @return the process id */
    public long pid() {
        return process.pid();
    }

    /** @return the service's output: its JSON log lines (and, without the agent, standard error too) */
    public Path log() {
        return log;
    }

    /** @return standard error when the agent is attached (its own lines and the spans it exports), else {@link #log()} */
    public Path agentLog() {
        return agentLog;
    }

    /**
     * The port the service listens on, waiting as long as {@link #awaitReady()} would until its log says it.
     *
     * @return the port
     */
    public int port() {
        long deadline = System.nanoTime() + START_BUDGET.toNanos();
        while (port == 0) {
            ensureAlive("start-up");
            port = listeningPort();
            if (port == 0) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not log its port within " + START_BUDGET.toSeconds() + " s; see " + log);
                }
                pause(Duration.ofMillis(20));
            }
        }
        return port;
    }

    private int listeningPort() {
        try {
            Matcher started = STARTED.matcher(Files.readString(log, StandardCharsets.UTF_8));
            return started.find() ? Integer.parseInt(started.group(1)) : 0;
        } catch (IOException e) {
            return 0; // not written yet
        }
    }

    /**
     * @param path a path and query
     * @return its address on this service
     */
    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /**
     * Waits until {@code /health/ready} answers 200.
     *
     * @param timeout      how long to wait
     * @param pollInterval how often to ask
     * @return milliseconds from the process start to the first 200
     */
    public long awaitReady(Duration timeout, Duration pollInterval) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            ensureAlive("start-up");
            if (listeningPort() != 0 && statusOf("/health/ready") == 200) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            }
            pause(pollInterval);
        }
        throw new IllegalStateException(name + " was not ready within " + timeout.toSeconds() + " s; see " + log);
    }

    /**
     * Waits up to two minutes until the service is ready, asking every 200 ms: a start with the agent on a
     * machine busy with other builds has taken over a minute.
     */
    public void awaitReady() {
        awaitReady(START_BUDGET, Duration.ofMillis(200));
    }

    /**
     * Fails when the process has exited: a harness must not go on with a dead service.
     *
     * @param during what was going on, for the message
     */
    public void ensureAlive(String during) {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + " during " + during + "; see " + log);
        }
    }

    /** @return whether the process still runs */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * @param path a path
     * @return the HTTP status of a GET, or -1 when the service does not answer
     */
    public int statusOf(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(STATUS_TIMEOUT).GET().build(),
                             HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * One sample on {@code /metrics}: the first series of that name whose line contains a fragment.
     *
     * @param metric        the metric name as exposed
     * @param labelFragment text the line must contain ({@code ""} for any)
     * @return its value, or empty when absent or the service does not answer
     */
    public OptionalDouble metric(String metric, String labelFragment) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(uri("/metrics")).timeout(STATUS_TIMEOUT).GET().build(),
                                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if ((line.startsWith(metric + "{") || line.startsWith(metric + " ")) && line.contains(labelFragment)) {
                    return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalDouble.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OptionalDouble.empty();
    }

    /** @return CPU time used so far, in seconds, or -1 when the system does not say */
    public double cpuSeconds() {
        return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(-1.0);
    }

    /** @return resident memory in MiB ({@code VmRSS} of {@code /proc/<pid>/status}), or -1 when unknown */
    public double residentMiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone, or not Linux
        }
        return -1;
    }

    /**
     * Waits until the process has ended by itself (a {@link Launch#mainClass(String) main class} that does one job).
     *
     * @return its exit status
     * @throws IllegalStateException when it is still running after {@code timeout} (it is then killed)
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException(name + " did not end within " + timeout + "; see " + log);
        }
        RUNNING.remove(this);
        return process.exitValue();
    }

    /** Kills the process at once (SIGKILL): no shutdown hook, no drain, as a crash or an OOM kill. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        RUNNING.remove(this);
    }

    /**
     * Asks the process to stop (SIGTERM) and waits until it has.
     *
     * @return its exit status
     */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not stop within 60 s of SIGTERM; see " + log);
        }
        RUNNING.remove(this);
        return process.exitValue();
    }

    /** Stops the service as Kubernetes would: SIGTERM, then SIGKILL when it has not exited in time. */
    @Override
    public void close() {
        try {
            process.destroy();
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            RUNNING.remove(this);
        }
    }

    /** Kills every process started here and not stopped yet (a harness's shutdown hook): no drain. */
    public static void killAll() {
        for (ServiceProcess service : List.copyOf(RUNNING)) {
            service.process.destroyForcibly();
            RUNNING.remove(service);
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
