package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import org.HdrHistogram.Histogram;

/**
 * Ingest: {@code POST /data} at increasing constant rates to find the highest rate the pipeline sustains
 * (every request accepted, the queue's backlog flat, latency bounded), then a run at 70 % of it for the
 * latency figures: POST latency from the intended send time, and the end-to-end latency of every record accepted
 * in the run, read from the database after it ({@link #endToEnd}). The same search with batches
 * ({@link #batches}: {@code POST /data/batch}) finds the batch path's rate. Each step and run also reports the
 * CPU each service spent per record, from the step's start until the persister has taken the backlog.
 */
final class IngestBench {

    /** Requests outstanding at once before the load counts as overload. */
    private static final int MAX_IN_FLIGHT = 4_000;
    /** A step whose median POST latency exceeds this is queueing, whatever else it shows. */
    private static final double SUSTAINED_P50_MS = 250;
    /** Steps that narrow the search's last 1.5x gap, each halving it on a logarithmic scale. */
    private static final int REFINEMENTS = 2;
    /**
     * A record's way from the generator to the database: {@code received_at} is the instant the generator minted
     * the record (before it published it and answered), {@code persisted_at} the start of the persister's
     * transaction that stored it (the column's default, {@code now()}); its commit, from which a
     * {@code GET /data/{id}} sees the row, follows within that batch's insert. Both clocks are this machine's.
     * The records of one run are those whose {@code seq} (the bench's payload) it sent.
     */
    private static final String END_TO_END = "SELECT (extract(epoch FROM persisted_at - received_at) * 1000000)::bigint "
            + "FROM data_record WHERE (payload->>'seq')::bigint BETWEEN ? AND ?";

    private final BenchEnv env;
    private final Console console;
    private final ServiceProcess generator;
    private final List<ServiceProcess> services;
    /** Records per request: 1 for {@code POST /data}, the batch size for {@code POST /data/batch}. */
    private final int recordsEach;
    private final String unit;
    private final AtomicLong sequence;
    /** Further processes whose CPU per record is reported next to the services' (broker, database, harness). */
    private final Map<String, DoubleSupplier> others;

    IngestBench(BenchEnv env, Console console, ServiceProcess generator, List<ServiceProcess> services) {
        this(env, console, generator, services, 1, new AtomicLong(), Map.of());
    }

    private IngestBench(BenchEnv env, Console console, ServiceProcess generator,
                        List<ServiceProcess> services, int recordsEach, AtomicLong sequence, Map<String, DoubleSupplier> others) {
        this.env = env;
        this.console = console;
        this.generator = generator;
        this.services = services;
        this.recordsEach = recordsEach;
        this.unit = recordsEach == 1 ? "POST/s" : "batches/s of " + recordsEach;
        this.sequence = sequence;
        this.others = others;
    }

    /** The same measurements with {@code POST /data/batch} of {@code size} records each; rates are batches/s. */
    IngestBench batches(int size) {
        return new IngestBench(env, console, generator, services, size, new AtomicLong(), others);
    }

    /** The same measurements, with the CPU of these processes ({@link ProcessCpu}) per record next to the services'. */
    IngestBench alsoMeasuring(Map<String, DoubleSupplier> processes) {
        return new IngestBench(env, console, generator, services, recordsEach, sequence, processes);
    }

    /** One step of the search; its rates are requests/s, each of {@code records} records. */
    record Step(double rate, int records, OpenLoad.Result load, long depthBefore, long depthAfter, boolean sustained,
                String verdict, Map<String, Double> cpuMsPerRecord) {

        double recordRate() {
            return rate * records;
        }

        Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("offered_per_s", Math.round(rate));
            if (records > 1) {
                map.put("records_per_request", records);
                map.put("offered_records_per_s", Math.round(recordRate()));
            }
            map.put("accepted_per_s", Math.round(load.completedRate()));
            map.put("accepted_fraction", round(load.okFraction(), 4));
            map.put("post_p50_ms", round(load.p(50), 2));
            map.put("post_p99_ms", round(load.p(99), 2));
            map.put("backlog_before", depthBefore);
            map.put("backlog_after", depthAfter);
            map.put("statuses", load.statuses());
            map.put("sustained", sustained);
            map.put("verdict", verdict);
            map.put("cpu_ms_per_record", cpuMsPerRecord);
            return map;
        }
    }

    /** Sends some seconds of low load so that the services' JIT has compiled the request path. */
    void warmUp(double rate, int seconds) throws InterruptedException {
        console.phase("ingest warm-up", seconds);
        run(rate, seconds, null);
        awaitDrained(Duration.ofSeconds(60));
    }

    /**
     * Raises the rate by half each step until a step is not sustained, then narrows the gap between the last
     * sustained rate and the first that was not by {@link #REFINEMENTS} steps at their geometric middle (the
     * maximum is then known within a factor of 1.5^(1/4), about 1.11, rather than 1.5). On a shared machine
     * one step can fail from a moment of noise, so a step that is not sustained is run once more before it
     * counts as failed.
     */
    List<Step> search(double startRate, double maxRate, int stepSeconds) throws InterruptedException {
        List<Step> steps = new ArrayList<>();
        double sustained = 0;
        double failed = 0;
        for (double rate = startRate; rate <= maxRate; rate *= 1.5) {
            if (!sustains(rate, stepSeconds, steps)) {
                failed = rate;
                break;
            }
            sustained = rate;
        }
        for (int i = 0; i < REFINEMENTS && sustained > 0 && failed > 0; i++) {
            double rate = Math.sqrt(sustained * failed);
            if (sustains(rate, stepSeconds, steps)) {
                sustained = rate;
            } else {
                failed = rate;
            }
        }
        return steps;
    }

    /** Runs a step at {@code rate}, and once more if it was not sustained; adds both to {@code steps}. */
    private boolean sustains(double rate, int stepSeconds, List<Step> steps) throws InterruptedException {
        for (int attempt = 0; attempt < 2; attempt++) {
            Step step = step(rate, stepSeconds, steps.size() + 1);
            steps.add(step);
            if (step.sustained()) {
                return true;
            }
        }
        return false;
    }

    /** @return the highest sustained rate, in records/s */
    static double maxSustained(List<Step> steps) {
        return steps.stream().filter(Step::sustained).mapToDouble(Step::recordRate).max().orElse(0);
    }

    /** @return the highest sustained step, if any */
    static java.util.Optional<Step> highestSustained(List<Step> steps) {
        return steps.stream().filter(Step::sustained).max(java.util.Comparator.comparingDouble(Step::recordRate));
    }

    private Step step(double rate, int seconds, int number) throws InterruptedException {
        console.phase(String.format("ingest step %d: %.0f %s", number, rate, unit), seconds);
        Map<String, Double> cpuBefore = cpuSeconds(services);
        long before = env.queueDepth(env.queue);
        OpenLoad.Result load = run(rate, seconds, null);
        long after = env.queueDepth(env.queue);
        long offered = (load.sent() + load.dropped()) * recordsEach;
        // Flat: the backlog grew by less than 2 % of what was offered (plus what a batch or two holds).
        long allowedGrowth = Math.max(1_000, Math.round(offered * 0.02));
        String verdict;
        boolean sustained;
        if (load.dropped() > 0) {
            sustained = false;
            verdict = load.dropped() + " requests not sent: " + MAX_IN_FLIGHT + " outstanding";
        } else if (load.okFraction() < 0.999) {
            sustained = false;
            verdict = "accepted only " + round(load.okFraction() * 100, 2) + " %: " + load.statuses();
        } else if (load.okInWindow() < 0.98 * load.sent()) {
            sustained = false;
            verdict = "only " + load.okInWindow() + " of " + load.sent() + " answered within the step: requests queue up";
        } else if (after - before > allowedGrowth) {
            sustained = false;
            verdict = "backlog grew by " + (after - before) + " messages";
        } else if (load.p(50) > SUSTAINED_P50_MS) {
            sustained = false;
            verdict = "POST p50 " + round(load.p(50), 1) + " ms: requests queue up";
        } else {
            sustained = true;
            verdict = "sustained";
        }
        console.line(String.format("  %-7.0f %s  accepted %-7.0f/s  p50 %7.2f ms  p99 %8.2f ms  backlog %d -> %d  %s",
                                   rate, unit, load.completedRate(), load.p(50), load.p(99), before, after, verdict));
        awaitDrained(Duration.ofSeconds(120));
        return new Step(rate, recordsEach, load, before, after, sustained, verdict, cpuMsPerRecord(cpuBefore, load));
    }

    /**
     * CPU milliseconds each service spent per accepted record since {@code before}: the persister's share of a
     * step is spent until it has taken the backlog, so call this once drained.
     */
    private Map<String, Double> cpuMsPerRecord(Map<String, Double> before, OpenLoad.Result load) {
        Map<String, Double> perRecord = new LinkedHashMap<>();
        long records = load.ok() * recordsEach;
        cpuSeconds(services).forEach((name, cpu) -> perRecord.put(
                name, records == 0 ? Double.NaN : round((cpu - before.get(name)) * 1000 / records, 4)));
        return perRecord;
    }

    /**
     * The latency run: constant rate, end-to-end samples, resident memory sampled twice a second and CPU
     * used by each process. Its start and end times are in the result ({@code window}), to cut the
     * services' JFR recordings to it.
     */
    Map<String, Object> latencyRun(String label, double rate, int seconds, List<ServiceProcess> services)
            throws InterruptedException {
        console.phase(String.format("ingest latency run: %.0f %s (%s)", rate, unit, label), seconds);
        java.time.Instant windowStart = java.time.Instant.now();
        Map<String, Double> maxRss = new ConcurrentHashMap<>();
        Thread rssSampler = Thread.ofPlatform().daemon().name("bench-rss").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (ServiceProcess service : services) {
                    maxRss.merge(service.name(), service.residentMiB(), Math::max);
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        Map<String, Double> cpuBefore = cpuSeconds(services);
        long windowStarted = System.nanoTime();
        long before = env.queueDepth(env.queue);
        long firstRequest = sequence.get();
        OpenLoad.Result load = run(rate, seconds, null);
        long lastRequest = sequence.get() - 1;
        Map<String, Double> cores = new LinkedHashMap<>();
        double elapsed = (System.nanoTime() - windowStarted) / 1e9;
        cpuSeconds(services).forEach((name, cpu) -> cores.put(name, round((cpu - cpuBefore.get(name)) / elapsed, 2)));
        java.time.Instant windowEnd = java.time.Instant.now();
        long after = env.queueDepth(env.queue);
        rssSampler.interrupt();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("offered_per_s", Math.round(rate));
        result.put("seconds", seconds);
        result.put("accepted_per_s", Math.round(load.completedRate()));
        result.put("accepted", load.ok() * recordsEach);
        result.put("accepted_fraction", round(load.okFraction(), 4));
        result.put("statuses", load.statuses());
        result.put("post_p50_ms", round(load.p(50), 2));
        result.put("post_p90_ms", round(load.p(90), 2));
        result.put("post_p99_ms", round(load.p(99), 2));
        result.put("post_p999_ms", round(load.p(99.9), 2));
        result.put("post_max_ms", round(load.p(100), 2));
        result.put("backlog_before", before);
        result.put("backlog_after", after);
        result.put("rss_mb_max", roundAll(maxRss));
        result.put("cores_used", cores);
        result.put("window", List.of(windowStart.toString(), windowEnd.toString()));
        console.line(String.format("  POST p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms", load.p(50), load.p(99), load.p(99.9)));
        console.line("  cores used: " + cores + "   max RSS MiB: " + roundAll(maxRss));
        awaitDrained(Duration.ofSeconds(120));
        Map<String, Double> cpu = cpuMsPerRecord(cpuBefore, load);
        result.put("cpu_ms_per_record", cpu);
        result.put("cpu_method", "process CPU time (user + system) from the run's start until the persister had "
                + "taken the backlog, divided by the records accepted");
        console.line("  CPU ms per record: " + cpu);
        Histogram e2e = endToEnd(firstRequest * recordsEach, (lastRequest + 1) * recordsEach - 1,
                                 load.ok() * recordsEach, Duration.ofSeconds(60));
        result.put("e2e_samples", e2e.getTotalCount());
        result.put("e2e_missing", Math.max(0, load.ok() * recordsEach - e2e.getTotalCount()));
        result.put("e2e_method", "every record accepted in the run: the database's persisted_at (the storing "
                + "transaction's start) less the record's received_at (minted by the generator before it publishes)");
        result.put("e2e_p50_ms", round(percentile(e2e, 50), 2));
        result.put("e2e_p99_ms", round(percentile(e2e, 99), 2));
        result.put("e2e_p999_ms", round(percentile(e2e, 99.9), 2));
        result.put("e2e_max_ms", round(percentile(e2e, 100), 2));
        console.line(String.format("  end-to-end p50 %.1f ms  p99 %.1f ms  p99.9 %.1f ms (%d of %d records stored)",
                                   percentile(e2e, 50), percentile(e2e, 99), percentile(e2e, 99.9),
                                   e2e.getTotalCount(), load.ok() * recordsEach));
        return result;
    }

    /**
     * The end-to-end latencies of the records whose {@code seq} is in {@code [first, last]} ({@link #END_TO_END}),
     * once {@code accepted} of them are stored or the timeout has passed (then fewer: the report says how many are
     * missing).
     */
    private Histogram endToEnd(long first, long last, long accepted, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Histogram latencies = new Histogram(TimeUnit.SECONDS.toMicros(600), 3);
            try (Connection connection = env.connect(); PreparedStatement query = connection.prepareStatement(END_TO_END)) {
                query.setLong(1, first);
                query.setLong(2, last);
                try (ResultSet rows = query.executeQuery()) {
                    while (rows.next()) {
                        latencies.recordValue(Math.min(Math.max(0, rows.getLong(1)), latencies.getHighestTrackableValue()));
                    }
                }
            } catch (SQLException e) {
                throw new IllegalStateException("reading the run's records from the bench database failed", e);
            }
            if (latencies.getTotalCount() >= accepted || System.nanoTime() > deadline) {
                return latencies;
            }
            Thread.sleep(500);
        }
    }

    private Map<String, Double> cpuSeconds(List<ServiceProcess> services) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        services.forEach(service -> seconds.put(service.name(), service.cpuSeconds()));
        others.forEach((name, cpu) -> seconds.put(name, cpu.getAsDouble()));
        return seconds;
    }

    private OpenLoad.Result run(double rate, int seconds, OpenLoad.Observer observer) throws InterruptedException {
        URI data = generator.uri(recordsEach == 1 ? "/data" : "/data/batch");
        long base = sequence.getAndAdd((long) Math.ceil(rate * seconds) + 1);
        return OpenLoad.run(rate, Duration.ofSeconds(seconds), 202, MAX_IN_FLIGHT,
                            n -> recordsEach == 1 ? env.post(data, base + n) : env.postBatch(data, base + n, recordsEach),
                            observer == null ? null : (n, intended, response) -> observer.completed(base + n, intended, response));
    }

    /** Waits until the persister has taken the backlog (ready messages), so that steps do not overlap. */
    void awaitDrained(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long depth = env.queueDepth(env.queue);
            if (depth <= 0) {
                Thread.sleep(300);
                return;
            }
            Thread.sleep(200);
        }
    }

    private static double percentile(Histogram histogram, double percentile) {
        return histogram.getTotalCount() == 0 ? Double.NaN : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    static double round(double value, int digits) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return value;
        }
        double scale = Math.pow(10, digits);
        return Math.round(value * scale) / scale;
    }

    private static Map<String, Double> roundAll(Map<String, Double> values) {
        Map<String, Double> rounded = new LinkedHashMap<>();
        values.forEach((key, value) -> rounded.put(key, round(value, 1)));
        return rounded;
    }
}
