package io.datapipe.bench;

import io.datapipe.testsupport.PostgresServer;
import io.datapipe.testsupport.RabbitMqNode;
import io.datapipe.testsupport.ServiceProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;

/**
 * The benchmark harness ({@code make bench}): every figure of the pipeline next to a baseline measured in
 * the same run on the same machine.
 * <ol>
 *     <li>starts persister, generator and web as processes (like {@code make up}, but on ports of the kernel's choosing, a bench
 *     database of its own and private queue names, so a developer's stack is never touched) and times each
 *     one from process start to ready;</li>
 *     <li>measures the broker's own limit (RabbitMQ PerfTest) and the database's own limit (plain JDBC) for
 *     the pipeline's messages and rows;</li>
 *     <li>ingest: the maximum sustained {@code POST /data} rate, then latency at 70 % and 25 % of it (with
 *     JFR profiles of the services over the 70 % run, their CPU use and resident memory);</li>
 *     <li>read: {@code GET /data} first and deep pages at two table sizes.</li>
 * </ol>
 * and writes {@code <out>/report.json} (by default {@code bench/target/bench/report.json}).
 */
public final class Bench {

    /** Seconds at the latency run's rate before its window opens. */
    private static final int LEAD_IN_SECONDS = 10;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final List<String> SERVICES = List.of("persister", "generator", "web");

    private Bench() {
    }

    public static void main(String[] args) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println(e.getMessage());
            }
            System.err.print(BenchOptions.USAGE);
            System.exit(2);
            return;
        }
        try {
            Map<String, Object> report = run(options, System.out);
            System.exit(report.containsKey("error") ? 1 : 0);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    /**
     * Runs every phase and writes the report. Whatever happens, the service processes are stopped and
     * the bench database, queues and exchanges are removed.
     *
     * @param options what to measure
     * @param out     where progress and the table go
     * @return the report, also written to {@code <out>/report.json}; it holds {@code error} when a phase failed
     */
    public static Map<String, Object> run(BenchOptions options, PrintStream out) throws IOException {
        Files.createDirectories(options.out());
        Console console = Console.teeing(out, options.out().resolve("console.log"));
        Map<String, Object> report = new LinkedHashMap<>();
        RabbitMqNode node = null;
        PostgresServer postgres = null;
        if (options.ownServers()) {
            console.phase("starting a RabbitMQ node and a PostgreSQL server of the run's own", 0);
            node = RabbitMqNode.configure("bench").start();
            postgres = PostgresServer.start("bench");
            options = options.withLocalServers(postgres.port(), node.amqpPort(), node.adminUser(), node.adminPassword(),
                                               options.out());
        }
        BenchEnv env = new BenchEnv(options);
        AtomicBoolean cleaned = new AtomicBoolean();
        Runnable cleanup = () -> {
            if (cleaned.compareAndSet(false, true)) {
                ServiceProcess.killAll();
                env.close();
            }
        };
        Thread hook = new Thread(cleanup, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (options.budget().isEmpty()) {
                measure(options, env, console, report);
            } else {
                CpuBudget.measure(options, env, console, report, node, postgres == null ? 0 : postgres.port());
            }
        } catch (Exception e) {
            report.put("error", e.toString());
            console.line("FAILED: " + e);
            e.printStackTrace(out);
        } finally {
            ServiceProcess.killAll();
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already
            }
            report.put("load_average_after", loadAverage());
            Path file = options.out().resolve("report.json");
            JSON.writeValue(file.toFile(), report);
            console.line("report: " + file);
            if (postgres != null) {
                postgres.close();
            }
            if (node != null) {
                node.close();
            }
        }
        return report;
    }

    private static void measure(BenchOptions options, BenchEnv env, Console console, Map<String, Object> report)
            throws Exception {
        report.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        report.put("load_average_before", loadAverage());
        report.put("machine", machine());
        report.put("options", Map.of("seconds", options.seconds(), "step_seconds", options.stepSeconds(),
                                     "parallel_start", options.parallelStart(), "jfr", options.jfr(),
                                     "users", options.users(), "read_rate_per_s", options.readRate()));
        console.line(String.format(Locale.ROOT, "datapipe bench: %d s windows, %d subjects, tables of %,d and %,d rows%s; run %s",
                                   options.seconds(), options.users(), options.rowsSmall(), options.rowsLarge(),
                                   options.rowsScaledDown() ? " (scaled down)" : "", env.runId));
        console.line("load average before: " + loadAverage());

        console.phase("bench database, its schema migrated as a release's Job migrates it", 0);
        env.createDatabase();
        env.declareTopology();

        // Start-up, each service alone, as the pods start (the persister does not migrate).
        Map<String, ServiceProcess> services = new LinkedHashMap<>();
        Map<String, Object> startup = new LinkedHashMap<>();
        for (String name : SERVICES) {
            console.phase("starting " + name + (options.parallelStart() ? " (all three at once)" : ""), 0);
            services.put(name, env.start(name, Map.of()));
            if (!options.parallelStart()) {
                ready(services.get(name), startup, console);
            }
        }
        if (options.parallelStart()) {
            for (ServiceProcess service : services.values()) {
                ready(service, startup, console);
            }
        }
        report.put("startup_ms", startup);
        report.put("versions", versions(env, options));

        // Baselines, with the services idle.
        int messageBytes = RecordCodec.standard().encode(new RecordMessage(RecordIds.next(), BenchEnv.user(123),
                (ObjectNode) JSON.readTree(BenchEnv.payload(123_456)), Instant.now())).length;
        console.phase("broker baseline: RabbitMQ PerfTest, " + messageBytes + "-byte persistent messages, quorum queue, confirms",
                      options.seconds());
        Map<String, Object> broker = BrokerBaseline.measure(env, messageBytes, options.seconds(), line -> {
            if (line.contains(" time ")) {
                console.line("  " + line.replaceFirst("^id: broker-limit, ", "").replaceAll(", min/median.*", ""));
            }
        });
        report.put("broker_baseline", broker);
        console.line("  broker limit: " + broker.get("limit_msgs_per_s") + " msg/s");
        console.phase("database baseline: JDBC multi-row inserts of 500 rows", options.seconds());
        Map<String, Object> database = DatabaseBaseline.measure(env, 500, options.seconds());
        report.put("db_baseline", database);
        console.line("  database limit: " + database.get("limit_rows_per_s") + " rows/s");

        // Ingest, watched by a Prometheus for the picture.
        BenchPicture picture = BenchPicture.start(options.repo(), services);
        Instant ingestStart = Instant.now();
        ServiceProcess generator = services.get("generator");
        ServiceProcess persister = services.get("persister");
        ServiceProcess web = services.get("web");
        IngestBench ingest = new IngestBench(env, console, generator, List.copyOf(services.values()));
        ingest.warmUp(2 * options.startRate(), options.warmUpSeconds());
        List<IngestBench.Step> steps = ingest.search(options.startRate(), options.maxRate(), options.stepSeconds());
        double max = IngestBench.maxSustained(steps);
        report.put("ingest_steps", steps.stream().map(IngestBench.Step::toMap).toList());
        services.values().forEach(service -> service.ensureAlive("the ingest search"));
        console.line(String.format("  maximum sustained: %.0f POST/s", max));
        double latencyRate = Math.max(1, 0.7 * (max > 0 ? max : options.startRate()));
        List<ServiceProcess> running = List.copyOf(services.values());
        if (options.jfr()) {
            JfrWindow.start(running);
        }
        // A lead-in at the run's rate, not counted: the profiler's own start in three processes and the
        // overload the search ended with would otherwise be in the latency window's tail.
        ingest.warmUp(latencyRate, LEAD_IN_SECONDS);
        Map<String, Object> latency = ingest.latencyRun("70 % of max", latencyRate, options.seconds(), running);
        if (options.jfr()) {
            Path jfrDir = Files.createDirectories(options.out().resolve("jfr"));
            report.put("profiles", JfrWindow.stop(running, jfrDir));
        }
        report.put("ingest_latency_run", latency);
        // The broker alone at the same rate (PerfTest, as in the baseline): its confirm latency is the floor of a
        // POST's, its consumer latency (publish to delivery) that of a record's way before the database.
        console.phase(String.format("broker alone at the latency run's rate: PerfTest at %.0f msg/s", latencyRate),
                      options.seconds());
        Map<String, Object> brokerAtRate = BrokerBaseline.measure(env, messageBytes, options.seconds(), latencyRate, line -> { });
        report.put("broker_at_latency_run_rate", brokerAtRate);
        console.line(String.format("  confirm p50 %s ms  p99 %s ms   publish to delivery p50 %s ms  p99 %s ms",
                                   brokerAtRate.get("confirm_latency_p50_ms"), brokerAtRate.get("confirm_latency_p99_ms"),
                                   brokerAtRate.get("consumer_latency_p50_ms"), brokerAtRate.get("consumer_latency_p99_ms")));
        // The same at a quarter of the maximum: what the latency is when the two cores are not saturated.
        double lowRate = Math.max(1, 0.25 * (max > 0 ? max : options.startRate()));
        Map<String, Object> low = ingest.latencyRun("25 % of max", lowRate, options.seconds(), running);
        report.put("ingest_latency_run_25_percent", low);
        services.values().forEach(service -> service.ensureAlive("the ingest latency runs"));
        try (picture) {
            report.put("picture", picture.draw(ingestStart, Instant.now(), options.out()));
            console.line("  picture: " + options.out().resolve("ingest.png"));
        }

        // The batch path: the same search in batches, from the single path's maximum.
        IngestBench batches = ingest.batches(options.batchSize());
        List<IngestBench.Step> batchSteps = batches.search(Math.max(max, options.startRate()) / options.batchSize(),
                                                           options.maxRate(), options.stepSeconds());
        report.put("ingest_batch_steps", batchSteps.stream().map(IngestBench.Step::toMap).toList());
        double batchMax = IngestBench.maxSustained(batchSteps);
        console.line(String.format("  maximum sustained in batches of %d: %.0f records/s", options.batchSize(), batchMax));
        report.put("ingest_batch_records_per_s", Math.round(batchMax));
        report.put("ingest_batch_size", options.batchSize());
        report.put("generator_cpu_ms_per_batch_record", IngestBench.highestSustained(batchSteps)
                .map(step -> step.cpuMsPerRecord().get("generator")).orElse(Double.NaN));
        services.values().forEach(service -> service.ensureAlive("the batch ingest search"));

        // Read: the large table in the bench database, the small one in a second database with its own web.
        ReadBench read = new ReadBench(env, console);
        String smallDatabase = env.createDatabase("small");
        console.phase("starting a second web for the small table (it migrates its database)", 0);
        ServiceProcess smallWeb = env.start("web", Map.of("datapipe.db.url", env.jdbcUrl(smallDatabase),
                                                          "datapipe.db.migrate", "true"));
        services.put("web-small", smallWeb);
        smallWeb.awaitReady(Duration.ofSeconds(120), Duration.ofMillis(10));
        ReadBench.Table small = new ReadBench.Table(label(options.rowsSmall()), smallDatabase, smallWeb);
        ReadBench.Table large = new ReadBench.Table(label(options.rowsLarge()), env.database, web);
        Map<String, Object> seeding = new LinkedHashMap<>();
        seeding.put("small", read.seedTo(small, options.rowsSmall()));
        seeding.put("large", read.seedTo(large, options.rowsLarge()));
        int depth = deepDepth(read.nthHeaviestRows(small, 10));
        for (ReadBench.Table table : List.of(small, large)) {
            read.walkDeepCursors(table, read.heavyUsers(table, depth + 50L, 20), depth);
        }
        int readSeconds = Math.max(2, options.seconds() / 2);
        Map<String, Object> measured = read.measure(List.of(small, large), options.readRate(), readSeconds);
        Map<String, Object> reads = new LinkedHashMap<>();
        reads.put("small", measured.get(small.label));
        reads.put("large", measured.get(large.label));
        reads.put("window", measured.get("window"));
        reads.put("method", "two tables side by side (two databases, a web process each), one open-model load "
                + "alternating between them request by request; first pages cycle through every subject, deep pages "
                + "through the walked cursors");
        report.put("seeding", seeding);
        report.put("reads", reads);
        report.put("deep_page_rows_in", depth);
        report.put("deep_page_subjects", Map.of("small", small.deepCursors.size(), "large", large.deepCursors.size()));

        for (ServiceProcess service : List.copyOf(services.values())) {
            service.close();
        }
        services.clear();

        // The headline figures.
        double brokerLimit = ((Number) broker.get("limit_msgs_per_s")).doubleValue();
        report.put("ingest_records_per_s", Math.round(max));
        report.put("broker_limit_msgs_per_s", Math.round(brokerLimit));
        report.put("db_limit_rows_per_s", database.get("limit_rows_per_s"));
        report.put("ingest_vs_broker_ratio", IngestBench.round(max / brokerLimit, 3));
        report.put("ingest_batch_vs_broker_ratio", IngestBench.round(number(report, "ingest_batch_records_per_s") / brokerLimit, 3));
        report.put("generator_cpu_ms_per_post", cpuMsPerRecord(latency, "generator"));
        report.put("persister_cpu_ms_per_record", cpuMsPerRecord(latency, "persister"));
        report.put("post_p50_ms", latency.get("post_p50_ms"));
        report.put("post_p99_ms", latency.get("post_p99_ms"));
        report.put("post_p999_ms", latency.get("post_p999_ms"));
        report.put("e2e_p50_ms", latency.get("e2e_p50_ms"));
        report.put("e2e_p99_ms", latency.get("e2e_p99_ms"));
        report.put("broker_confirm_p99_ms_at_70_percent", brokerAtRate.get("confirm_latency_p99_ms"));
        report.put("broker_delivery_p99_ms_at_70_percent", brokerAtRate.get("consumer_latency_p99_ms"));
        report.put("post_p99_ms_at_25_percent", low.get("post_p99_ms"));
        report.put("e2e_p99_ms_at_25_percent", low.get("e2e_p99_ms"));
        report.put("rows_1m", seedingRows(seeding, "small"));
        report.put("rows_10m", seedingRows(seeding, "large"));
        report.put("rows_scaled_down", options.rowsScaledDown());
        for (String size : List.of("small", "large")) {
            @SuppressWarnings("unchecked")
            Map<String, Object> figures = (Map<String, Object>) reads.get(size);
            String suffix = size.equals("small") ? "_1m" : "_10m";
            report.put("get_p99_ms" + suffix, ReadBench.num(figures, "first_page", "p99_ms"));
            report.put("get_first_page_p50_ms" + suffix, ReadBench.num(figures, "first_page", "p50_ms"));
            report.put("get_first_page_p99_ms" + suffix, ReadBench.num(figures, "first_page", "p99_ms"));
            report.put("get_deep_page_p50_ms" + suffix, ReadBench.num(figures, "deep_page", "p50_ms"));
            report.put("get_deep_page_p99_ms" + suffix, ReadBench.num(figures, "deep_page", "p99_ms"));
        }
        report.put("rss_mb", latency.get("rss_mb_max"));
        report.put("cores_used_in_latency_run", latency.get("cores_used"));
        report.put("targets", targets(report));
        printSummary(console, report);
    }

    static void ready(ServiceProcess service, Map<String, Object> startup, Console console)
            throws InterruptedException {
        startup.put(service.name(), service.awaitReady(Duration.ofSeconds(120), Duration.ofMillis(10)));
        console.line("  " + service.name() + " ready in " + startup.get(service.name()) + " ms (pid " + service.pid() + ")");
    }

    /**
     * 5 000 rows (100 pages of 50) in a full run, for the subjects that have that many; shallower when even
     * the tenth heaviest subject has fewer than twice as many rows.
     */
    private static int deepDepth(long tenthHeaviestRows) {
        long depth = Math.min(5_000, tenthHeaviestRows / 2);
        return (int) Math.max(50, depth / 50 * 50);
    }

    private static String label(long rows) {
        return rows % 1_000_000 == 0 ? rows / 1_000_000 + " M" : String.format(Locale.ROOT, "%,d", rows);
    }

    @SuppressWarnings("unchecked")
    private static Object seedingRows(Map<String, Object> seeding, String size) {
        return ((Map<String, Object>) seeding.get(size)).get("rows_in_table");
    }

    @SuppressWarnings("unchecked")
    private static Object cpuMsPerRecord(Map<String, Object> run, String service) {
        return ((Map<String, Object>) run.get("cpu_ms_per_record")).get(service);
    }

    private static List<Map<String, Object>> targets(Map<String, Object> report) {
        List<Map<String, Object>> targets = new ArrayList<>();
        double ratio = number(report, "ingest_vs_broker_ratio");
        targets.add(target("ingest, single records, >= 20 % of the broker's own limit", ratio * 100, "%", ratio >= 0.2));
        double batchRatio = number(report, "ingest_batch_vs_broker_ratio");
        targets.add(target("ingest in batches >= 50 % of the broker's own limit", batchRatio * 100, "%", batchRatio >= 0.5));
        double cpuPerPost = number(report, "generator_cpu_ms_per_post");
        targets.add(target("generator CPU per POST <= 0.10 ms at 70 % of max", cpuPerPost, "ms", cpuPerPost <= 0.10));
        double postP99 = number(report, "post_p99_ms");
        targets.add(target("POST p99 <= 20 ms at 70 % of max", postP99, "ms", postP99 <= 20));
        double e2eP99 = number(report, "e2e_p99_ms");
        targets.add(target("end-to-end p99 <= 250 ms at 70 % of max", e2eP99, "ms", e2eP99 <= 250));
        double large = number(report, "get_p99_ms_10m");
        double small = number(report, "get_p99_ms_1m");
        targets.add(target("GET first page p99 <= 10 ms at the large table", large, "ms", large <= 10));
        targets.add(target("GET first page p99 large <= 1.5 x small", large / small, "x", large <= 1.5 * small));
        @SuppressWarnings("unchecked")
        Map<String, Object> startup = (Map<String, Object>) report.get("startup_ms");
        startup.forEach((service, ms) -> {
            double value = ((Number) ms).doubleValue();
            // The persister boots JPA and checks the schema; the HTTP services have nothing to wait for.
            double limit = service.equals("persister") ? 2000 : 1000;
            targets.add(target(String.format("%s ready <= %.0f s after process start", service, limit / 1000), value, "ms", value <= limit));
        });
        @SuppressWarnings("unchecked")
        Map<String, Object> rss = (Map<String, Object>) report.get("rss_mb");
        rss.forEach((service, mb) -> {
            double value = ((Number) mb).doubleValue();
            double limit = service.equals("persister") ? 300 : 200;
            targets.add(target(String.format("%s resident <= %.0f MiB under load", service, limit), value, "MiB", value <= limit));
        });
        return targets;
    }

    private static Map<String, Object> target(String name, double value, String unit, boolean met) {
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("target", name);
        target.put("value", IngestBench.round(value, 2));
        target.put("unit", unit);
        target.put("met", met);
        return target;
    }

    private static double number(Map<String, Object> report, String key) {
        Object value = report.get(key);
        return value instanceof Number number ? number.doubleValue() : Double.NaN;
    }

    @SuppressWarnings("unchecked")
    private static void printSummary(Console console, Map<String, Object> report) {
        console.line("");
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("ingest, max sustained", report.get("ingest_records_per_s") + " POST/s",
                         "broker alone " + report.get("broker_limit_msgs_per_s") + " msg/s, database alone "
                                 + report.get("db_limit_rows_per_s") + " rows/s"));
        rows.add(List.of("ingest / broker limit", String.valueOf(report.get("ingest_vs_broker_ratio")), ""));
        rows.add(List.of("ingest in batches, max sustained", report.get("ingest_batch_records_per_s") + " records/s",
                         "POST /data/batch of " + report.get("ingest_batch_size") + " records"));
        rows.add(List.of("ingest in batches / broker limit", String.valueOf(report.get("ingest_batch_vs_broker_ratio")), ""));
        rows.add(List.of("CPU per record: generator / persister", report.get("generator_cpu_ms_per_post") + " / "
                + report.get("persister_cpu_ms_per_record") + " ms", "at 70 % of max, single records"));
        rows.add(List.of("generator CPU per record in batches", report.get("generator_cpu_ms_per_batch_record") + " ms",
                         "at the highest sustained batch step"));
        rows.add(List.of("POST p50 / p99 / p99.9", report.get("post_p50_ms") + " / " + report.get("post_p99_ms") + " / "
                + report.get("post_p999_ms") + " ms", "at 70 % of max"));
        rows.add(List.of("end-to-end p50 / p99", report.get("e2e_p50_ms") + " / " + report.get("e2e_p99_ms") + " ms",
                         "every record: received_at -> persisted_at"));
        rows.add(List.of("broker alone: confirm / delivery p99", report.get("broker_confirm_p99_ms_at_70_percent") + " / "
                + report.get("broker_delivery_p99_ms_at_70_percent") + " ms", "PerfTest at the 70 % rate"));
        rows.add(List.of("POST p99 / end-to-end p99", report.get("post_p99_ms_at_25_percent") + " / "
                + report.get("e2e_p99_ms_at_25_percent") + " ms", "at 25 % of max"));
        rows.add(List.of("GET first page p50 / p99", report.get("get_first_page_p50_ms_1m") + " / "
                + report.get("get_first_page_p99_ms_1m") + " ms", report.get("rows_1m") + " rows"));
        rows.add(List.of("GET first page p50 / p99", report.get("get_first_page_p50_ms_10m") + " / "
                + report.get("get_first_page_p99_ms_10m") + " ms", report.get("rows_10m") + " rows"));
        rows.add(List.of("GET deep page p50 / p99", report.get("get_deep_page_p50_ms_1m") + " / "
                + report.get("get_deep_page_p99_ms_1m") + " ms", report.get("rows_1m") + " rows, "
                + report.get("deep_page_rows_in") + " rows in"));
        rows.add(List.of("GET deep page p50 / p99", report.get("get_deep_page_p50_ms_10m") + " / "
                + report.get("get_deep_page_p99_ms_10m") + " ms", report.get("rows_10m") + " rows"));
        rows.add(List.of("ready after start", String.valueOf(report.get("startup_ms")), "ms"));
        rows.add(List.of("resident under load", String.valueOf(report.get("rss_mb")), "MiB"));
        console.table(List.of("figure", "value", "baseline / conditions"), rows);
        console.line("");
        List<List<String>> targetRows = new ArrayList<>();
        for (Map<String, Object> target : (List<Map<String, Object>>) report.get("targets")) {
            targetRows.add(List.of(String.valueOf(target.get("target")), target.get("value") + " " + target.get("unit"),
                                   Boolean.TRUE.equals(target.get("met")) ? "met" : "MISSED"));
        }
        console.table(List.of("target", "measured", ""), targetRows);
    }

    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memory_mb", ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() / (1024 * 1024));
        machine.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.runtime.version"));
        machine.put("os", System.getProperty("os.name") + ", kernel " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        return machine;
    }

    /** The system load average over the last minute, or -1 where the system does not say. */
    static double loadAverage() {
        return IngestBench.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), 2);
    }

    private static Map<String, Object> versions(BenchEnv env, BenchOptions options) {
        Map<String, Object> versions = new LinkedHashMap<>();
        versions.put("helidon", libraryVersion(options, "generator", "helidon-webserver-"));
        versions.put("hibernate", libraryVersion(options, "persister", "hibernate-core-"));
        versions.put("amqp_client", libraryVersion(options, "generator", "amqp-client-"));
        versions.put("postgresql_jdbc", libraryVersion(options, "persister", "postgresql-"));
        try (com.rabbitmq.client.Connection connection = env.amqp().newConnection("datapipe-bench-version")) {
            versions.put("rabbitmq", String.valueOf(connection.getServerProperties().get("version")));
        } catch (Exception e) {
            versions.put("rabbitmq", "unknown: " + e.getMessage());
        }
        try (Connection connection = env.connect(); Statement statement = connection.createStatement();
             ResultSet version = statement.executeQuery("SHOW server_version")) {
            version.next();
            versions.put("postgresql", version.getString(1));
        } catch (SQLException e) {
            versions.put("postgresql", "unknown: " + e.getMessage());
        }
        versions.put("perf_test", com.rabbitmq.perf.PerfTest.class.getPackage().getImplementationVersion());
        return versions;
    }

    /** The version of a library a packaged service runs with, from its file name in {@code target/libs}. */
    private static String libraryVersion(BenchOptions options, String service, String prefix) {
        Path libs = options.repo().resolve("services").resolve(service).resolve("target").resolve("libs");
        try (var files = Files.list(libs)) {
            Optional<String> version = files.map(path -> path.getFileName().toString())
                    .filter(name -> name.startsWith(prefix) && name.endsWith(".jar")
                            && Character.isDigit(name.charAt(prefix.length())))
                    .map(name -> name.substring(prefix.length(), name.length() - 4))
                    .findFirst();
            return version.orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
