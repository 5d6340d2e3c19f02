package io.datapipe.bench;

import io.datapipe.testsupport.PostgresServer;
import io.datapipe.testsupport.RabbitMqCluster;
import io.datapipe.testsupport.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The soak ({@code make soak SOAK_MINUTES=30}): the pipeline on a 3-node RabbitMQ cluster and a PostgreSQL
 * server of its own, two generators and two persisters, for that long at half the maximum sustained rate,
 * with a fault every few minutes (the queue leader's node killed, a memory alarm, PostgreSQL restarted and
 * crashed, each service's replicas restarted one by one, the whole cluster restarted). Every sample
 * interval it reads each service's heap after a full GC, resident memory, threads and file descriptors,
 * and the broker's client connections; at the end it reports their slopes (per hour, least squares) and
 * counts the table against what was accepted: records lost and duplicated must both be 0 (exit status 1
 * otherwise). Writes {@code <out>/report.json} (default {@code bench/target/soak}).
 */
public final class Soak {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /**
     * The Serial collector's generations in {@code GC.heap_info}: {@code DefNew total 116224K, used 0K} and
     * {@code Tenured total 258048K, used 3054K} (JDK 25; {@code def new generation} and {@code tenured
     * generation} before).
     */
    private static final Pattern GENERATION_USED = Pattern.compile("(?m)^\\s*\\S.*?\\s+total \\d+K, used (\\d+)K");
    private static final String USAGE = """
            usage: java -cp bench/target/datapipe-bench.jar io.datapipe.bench.Soak [options]
              --minutes N              how long the load runs (default 30)
              --rate R                 POST/s; default half the maximum sustained rate, searched first on this stack
              --fault-every-seconds N  time between faults (default 180)
              --sample-seconds N       time between samples of the services (default 20)
              --out DIR                report and logs (default <repo>/bench/target/soak)
            Needs this machine's rabbitmq-server and PostgreSQL installation (its own nodes and server, in a
            temporary directory, on free ports). Not for a machine others share.
            """;

    private static final double SEARCH_START_RATE = 50;

    private final BenchEnv env;
    private final Console console;
    private final RabbitMqCluster cluster;
    private final PostgresServer postgres;
    private final Map<String, String> extra;
    private final List<ServiceProcess> generators = new CopyOnWriteArrayList<>();
    private final List<ServiceProcess> persisters = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> samples = new CopyOnWriteArrayList<>();
    private final List<Map<String, Object>> faults = new ArrayList<>();
    private final long started = System.nanoTime();
    private SoakLoad load;
    /** Rows the rate search stored before the soak's load began: not the soak's to count. */
    private Set<UUID> before = Set.of();

    private Soak(BenchEnv env, Console console, RabbitMqCluster cluster, PostgresServer postgres) {
        this.env = env;
        this.console = console;
        this.cluster = cluster;
        this.postgres = postgres;
        this.extra = Map.of("datapipe.rabbitmq.addresses",
                            cluster.nodes().stream().map(node -> "127.0.0.1:" + node.amqpPort()).collect(Collectors.joining(",")));
    }

    public static void main(String[] args) throws Exception {
        int minutes = 30;
        Double rate = null;
        int faultEvery = 180;
        int sampleEvery = 20;
        List<String> benchArgs = new ArrayList<>(List.of("--no-jfr"));
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--minutes" -> minutes = Integer.parseInt(args[++i]);
                    case "--rate" -> rate = Double.parseDouble(args[++i]);
                    case "--fault-every-seconds" -> faultEvery = Integer.parseInt(args[++i]);
                    case "--sample-seconds" -> sampleEvery = Integer.parseInt(args[++i]);
                    case "--out" -> benchArgs.addAll(List.of("--out", args[++i]));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (minutes <= 0 || faultEvery <= 0 || sampleEvery <= 0 || (rate != null && rate <= 0)) {
                throw new IllegalArgumentException("every value must be positive");
            }
        } catch (RuntimeException e) {
            System.err.println(e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
        }
        BenchOptions parsed = BenchOptions.parse(benchArgs.toArray(String[]::new));
        Path out = benchArgs.contains("--out") ? parsed.out() : parsed.repo().resolve("bench").resolve("target").resolve("soak");
        Files.createDirectories(out);
        Console console = Console.teeing(System.out, out.resolve("console.log"));
        // Ctrl-C or a kill: the services go too (the cluster and the server have hooks of their own).
        Runtime.getRuntime().addShutdownHook(new Thread(ServiceProcess::killAll, "soak-cleanup"));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        report.put("minutes", minutes);
        console.line("datapipe soak: " + minutes + " min, a fault every " + faultEvery + " s, samples every " + sampleEvery + " s");
        console.phase("starting a 3-node RabbitMQ cluster and a PostgreSQL server of the soak's own", 0);
        try (RabbitMqCluster cluster = RabbitMqCluster.start("soak", 3);
             PostgresServer postgres = PostgresServer.start("soak");
             BenchEnv env = new BenchEnv(parsed.withLocalServers(postgres.port(), cluster.nodes().get(0).amqpPort(), out))) {
            Soak soak = new Soak(env, console, cluster, postgres);
            try {
                soak.run(minutes, rate, Duration.ofSeconds(faultEvery), Duration.ofSeconds(sampleEvery), report);
            } catch (Exception e) {
                report.put("error", e.toString());
                console.line("FAILED: " + e);
                e.printStackTrace();
            } finally {
                soak.stopLoad();
                ServiceProcess.killAll();
            }
        }
        Path file = out.resolve("report.json");
        JSON.writeValue(file.toFile(), report);
        console.line("report: " + file);
        boolean clean = !report.containsKey("error") && Long.valueOf(0).equals(report.get("lost"))
                && Long.valueOf(0).equals(report.get("duplicated"))
                && ((Number) report.getOrDefault("records_accepted", 0)).longValue() > 0;
        System.exit(clean ? 0 : 1);
    }

    private void run(int minutes, Double givenRate, Duration faultEvery, Duration sampleEvery, Map<String, Object> report)
            throws Exception {
        env.createDatabase();
        env.declareTopology();
        persisters.add(ready(env.start("persister", extra)));
        persisters.add(ready(env.start("persister", extra)));
        generators.add(ready(env.start("generator", extra)));
        generators.add(ready(env.start("generator", extra)));

        double rate;
        if (givenRate != null) {
            rate = givenRate;
            report.put("rate_source", "given");
        } else {
            IngestBench ingest = new IngestBench(env, console, generators.get(0), List.copyOf(generators));
            ingest.warmUp(200, 10);
            // From a low rate: three nodes and four services share the machine.
            List<IngestBench.Step> steps = ingest.search(SEARCH_START_RATE, env.options.maxRate(), 5);
            double max = IngestBench.maxSustained(steps);
            report.put("max_sustained_per_s", Math.round(max));
            if (max <= 0) {
                throw new IllegalStateException("no rate from " + SEARCH_START_RATE + " POST/s up was sustained: the machine is"
                                                        + " too busy for a soak, or give the rate (SOAK_RATE)");
            }
            rate = max / 2;
            report.put("rate_source", "half the maximum sustained rate, searched on this stack through one generator");
            Thread.sleep(5_000); // the search's last batches commit
            before = new HashSet<>(storedIds());
        }
        report.put("rate_per_s", Math.round(rate));
        console.phase(String.format(Locale.ROOT, "soak: %.0f POST/s for %d min", rate, minutes), minutes * 60);

        load = new SoakLoad(env, generators, rate);
        load.start();
        Thread sampler = Thread.ofPlatform().daemon().name("soak-sampler").start(() -> sampleEvery(sampleEvery));
        List<Fault> schedule = faultSchedule();
        long end = System.nanoTime() + Duration.ofMinutes(minutes).toNanos();
        long nextFault = System.nanoTime() + faultEvery.toNanos();
        for (int i = 0; System.nanoTime() < end; ) {
            Thread.sleep(1_000);
            if (System.nanoTime() >= nextFault && end - System.nanoTime() > Duration.ofSeconds(60).toNanos()) {
                Fault fault = schedule.get(i++ % schedule.size());
                inject(fault);
                nextFault = System.nanoTime() + faultEvery.toNanos();
            }
        }
        console.phase("stopping the load; every scheduled record is retried until accepted", 0);
        load.stop(Duration.ofMinutes(10));
        sampler.interrupt();
        sampler.join();
        report.put("faults", faults);
        report.put("records_scheduled", load.scheduled());
        report.put("records_accepted", load.accepted().size());
        report.put("records_failed", load.failed());
        report.put("refusals_503_429", load.refusals());
        report.put("transport_errors", load.transportErrors());
        count(report);
        report.put("slopes_per_hour", slopes());
        report.put("samples", samples);
        printSummary(report);
    }

    private void stopLoad() throws InterruptedException {
        if (load != null) {
            load.stop(Duration.ZERO);
        }
    }

    // ---- faults

    private record Fault(String name, Action action) {
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }

    private List<Fault> faultSchedule() {
        RabbitMqCluster.Node first = cluster.nodes().get(0);
        return List.of(
                new Fault("kill -9 the queue leader's node, restart it 20 s later", () -> {
                    RabbitMqCluster.Node leader = cluster.queueLeader(env.queue);
                    cluster.kill(leader);
                    Thread.sleep(20_000);
                    cluster.start(leader);
                }),
                new Fault("rolling restart of the generators (SIGTERM, one at a time)", () -> rollGenerators()),
                new Fault("memory alarm for 15 s", () -> {
                    cluster.memoryHighWatermark(first, 0.0001);
                    Thread.sleep(15_000);
                    cluster.memoryHighWatermark(first, 0.4);
                }),
                new Fault("PostgreSQL restart (pg_ctl restart -m fast)", () -> postgres.restart("fast")),
                new Fault("rolling restart of the persisters (SIGTERM, one at a time)", () -> rollPersisters()),
                new Fault("PostgreSQL crash (pg_ctl stop -m immediate), back 15 s later", () -> {
                    postgres.stop("immediate");
                    Thread.sleep(15_000);
                    postgres.start();
                }),
                new Fault("whole-cluster restart", cluster::restartAll));
    }

    private void inject(Fault fault) throws Exception {
        long start = System.nanoTime();
        console.line(String.format(Locale.ROOT, "  %5.0f s  fault: %s", seconds(), fault.name()));
        fault.action().run();
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("at_s", Math.round(seconds()));
        done.put("fault", fault.name());
        done.put("took_s", Math.round((System.nanoTime() - start) / 1e9));
        faults.add(done);
    }

    private void rollGenerators() throws IOException, InterruptedException {
        for (ServiceProcess old : List.copyOf(generators)) {
            load.remove(old);
            generators.remove(old);
            old.terminate();
            ServiceProcess replacement = ready(env.start("generator", extra));
            generators.add(replacement);
            load.add(replacement);
        }
    }

    private void rollPersisters() throws IOException, InterruptedException {
        for (ServiceProcess old : List.copyOf(persisters)) {
            persisters.remove(old);
            old.terminate();
            persisters.add(ready(env.start("persister", extra)));
        }
    }

    private static ServiceProcess ready(ServiceProcess service) {
        service.awaitReady();
        return service;
    }

    // ---- samples

    private void sampleEvery(Duration interval) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                sample();
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                console.line("  sample failed: " + e.getMessage());
            }
        }
    }

    private void sample() {
        double at = seconds();
        List<ServiceProcess> services = new ArrayList<>(generators);
        services.addAll(persisters);
        for (ServiceProcess service : services) {
            if (!service.isAlive()) {
                continue;
            }
            Map<String, Object> sample = new LinkedHashMap<>();
            sample.put("t_s", Math.round(at));
            sample.put("service", service.name());
            sample.put("pid", service.pid());
            sample.put("heap_after_gc_mib", heapAfterGc(service.pid()));
            sample.put("rss_mib", service.residentMiB());
            sample.put("threads", procStatus(service.pid(), "Threads:"));
            sample.put("fds", fileDescriptors(service.pid()));
            samples.add(sample);
        }
        Map<String, Object> broker = new LinkedHashMap<>();
        broker.put("t_s", Math.round(at));
        broker.put("service", "broker");
        broker.put("connections", brokerConnections());
        samples.add(broker);
    }

    /**
     * Heap in use right after a full collection, MiB, or -1 if unknown: {@code GC.run} then {@code GC.heap_info}
     * in one {@code jcmd} (one attach, one JVM started per sample).
     */
    private double heapAfterGc(long pid) {
        try {
            Path commands = Files.createTempFile("soak-jcmd-", ".txt");
            Files.writeString(commands, "GC.run\nGC.heap_info\n");
            Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
            Process process = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "-f", commands.toString())
                    .redirectErrorStream(true).start();
            String info = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            process.waitFor();
            Files.deleteIfExists(commands);
            double usedKiB = 0;
            Matcher used = GENERATION_USED.matcher(info);
            while (used.find()) {
                usedKiB += Double.parseDouble(used.group(1));
            }
            return usedKiB == 0 ? -1 : Math.round(usedKiB / 1024 * 10) / 10.0;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static long procStatus(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    private static long fileDescriptors(long pid) {
        try (var fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private long brokerConnections() {
        try {
            return cluster.rabbitmqctlOnAnyNode("list_connections", "-q", "--no-table-headers", "client_properties").lines()
                    .filter(line -> line.contains("datapipe-bench-" + env.runId)).count();
        } catch (RuntimeException e) {
            return -1; // no node answers (the whole cluster restarts)
        }
    }

    /**
     * Least-squares slope per hour of each figure, per process (a process replaced by a rolling restart has
     * its own line, over its own lifetime) and of the broker's connections.
     */
    private Map<String, Object> slopes() {
        Map<String, Object> slopes = new LinkedHashMap<>();
        Map<Object, List<Map<String, Object>>> byProcess = samples.stream()
                .collect(Collectors.groupingBy(s -> s.getOrDefault("pid", "broker"), LinkedHashMap::new, Collectors.toList()));
        byProcess.forEach((pid, series) -> {
            if (series.size() < 3) {
                return;
            }
            Map<String, Object> lines = new LinkedHashMap<>();
            lines.put("samples", series.size());
            lines.put("from_s", series.getFirst().get("t_s"));
            lines.put("to_s", series.getLast().get("t_s"));
            for (String figure : List.of("heap_after_gc_mib", "rss_mib", "threads", "fds", "connections")) {
                if (series.getFirst().containsKey(figure)) {
                    lines.put(figure, round(slope(series, s -> ((Number) s.get(figure)).doubleValue()), 2));
                }
            }
            slopes.put(series.getFirst().get("service") + (pid.equals("broker") ? "" : " " + pid), lines);
        });
        return slopes;
    }

    private static double slope(List<Map<String, Object>> series, ToDoubleFunction<Map<String, Object>> figure) {
        List<Map<String, Object>> known = series.stream().filter(s -> figure.applyAsDouble(s) >= 0).toList();
        int n = known.size();
        if (n < 2) {
            return Double.NaN;
        }
        double meanT = known.stream().mapToDouble(s -> ((Number) s.get("t_s")).doubleValue() / 3600).average().orElseThrow();
        double meanY = known.stream().mapToDouble(figure).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (Map<String, Object> s : known) {
            double t = ((Number) s.get("t_s")).doubleValue() / 3600 - meanT;
            covariance += t * (figure.applyAsDouble(s) - meanY);
            variance += t * t;
        }
        return variance == 0 ? Double.NaN : covariance / variance;
    }

    // ---- the count

    private void count(Map<String, Object> report) throws Exception {
        console.phase("waiting until the persisters have drained the queue", 0);
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        Set<UUID> accepted = new HashSet<>(load.accepted().values());
        List<UUID> stored = soakRows();
        while ((stored.size() < accepted.size() || env.queueDepth(env.queue) != 0) && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
            stored = soakRows();
        }
        Set<UUID> distinct = new HashSet<>(stored);
        Set<UUID> lost = new HashSet<>(accepted);
        lost.removeAll(distinct);
        Set<UUID> extra = new HashSet<>(distinct);
        extra.removeAll(accepted);
        report.put("rows", stored.size());
        report.put("lost", (long) lost.size());
        // Every record was retried until accepted, so a stored id no client was given is a second copy of a record.
        report.put("duplicated", (long) (extra.size() + stored.size() - distinct.size()));
        report.put("dead_lettered", env.queueDepth(env.deadLetterQueue));
        report.put("lost_ids_first_10", lost.stream().limit(10).map(UUID::toString).toList());
    }

    private List<UUID> soakRows() throws Exception {
        return storedIds().stream().filter(id -> !before.contains(id)).toList();
    }

    private List<UUID> storedIds() throws Exception {
        List<UUID> ids = new ArrayList<>();
        try (Connection connection = env.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT id FROM data_record")) {
            while (result.next()) {
                ids.add(result.getObject(1, UUID.class));
            }
        }
        return ids;
    }

    private void printSummary(Map<String, Object> report) {
        console.line("");
        console.line(String.format(Locale.ROOT, "records: %s accepted, %s rows, lost %s, duplicated %s, dead-lettered %s; %s refusals (503/429) retried",
                                   report.get("records_accepted"), report.get("rows"), report.get("lost"),
                                   report.get("duplicated"), report.get("dead_lettered"), report.get("refusals_503_429")));
        List<List<String>> rows = new ArrayList<>();
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> slopes = (Map<String, Map<String, Object>>) (Map<?, ?>) report.get("slopes_per_hour");
        slopes.forEach((process, figures) -> rows.add(List.of(
                process, figures.get("from_s") + "-" + figures.get("to_s") + " s",
                String.valueOf(figures.getOrDefault("heap_after_gc_mib", "")), String.valueOf(figures.getOrDefault("rss_mib", "")),
                String.valueOf(figures.getOrDefault("threads", "")), String.valueOf(figures.getOrDefault("fds", "")),
                String.valueOf(figures.getOrDefault("connections", "")))));
        console.line("slopes per hour (least squares over each process's samples):");
        console.table(List.of("process", "lifetime", "heap after GC MiB/h", "RSS MiB/h", "threads/h", "fds/h", "connections/h"), rows);
    }

    private double seconds() {
        return (System.nanoTime() - started) / 1e9;
    }

    private static double round(double value, int places) {
        double scale = Math.pow(10, places);
        return Double.isNaN(value) ? value : Math.round(value * scale) / scale;
    }
}
