package io.datapipe.bench;

import io.datapipe.testsupport.RabbitMqNode;
import io.datapipe.testsupport.ServiceProcess;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;

/**
 * {@code --budget R,R,...}: where the CPU of the single-record path goes. On two shared cores every process of the
 * pipeline (the three services, the broker, the database and the load driver) takes
 * from the same CPU, so the highest sustained rate is about two cores divided by the sum of their CPU per record.
 * At each fixed rate: a latency run ({@link IngestBench#latencyRun}) with each process's CPU per accepted record,
 * and PerfTest at the same rate with the broker's and the client's CPU per message, next to each other. With the
 * run's own broker node ({@code --own-servers}), each AMQP connection's socket reads and writes as the broker
 * counts them ({@code rabbitmqctl list_connections recv_cnt send_cnt recv_oct send_oct}) per message: how many
 * flushes a publish costs and how many writes its confirms. Then, unless {@code --no-jfr}, one more window at the
 * highest rate with the services' JFR profiles ({@link JfrWindow}), apart from the budget's.
 */
final class CpuBudget {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SERVICES = List.of("persister", "generator", "web");

    private CpuBudget() {
    }

    /**
     * @param node     the run's own broker node, or null (a shared broker: its CPU includes others' traffic, and the
     *                 connections are not counted)
     * @param database the port of the run's own PostgreSQL server, or 0 (a shared server)
     */
    static void measure(BenchOptions options, BenchEnv env, Console console, Map<String, Object> report,
                        RabbitMqNode node, int database) throws Exception {
        report.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        report.put("load_average_before", Bench.loadAverage());
        report.put("machine", Bench.machine());
        report.put("servers", node == null ? "shared: broker and database CPU include other clients' work"
                : "the run's own broker node and PostgreSQL server");
        console.line(String.format(Locale.ROOT, "datapipe bench: CPU budget at %s POST/s, %d s windows, %s; run %s",
                                   options.budget(), options.seconds(), report.get("servers"), env.runId));
        console.line("load average before: " + Bench.loadAverage());
        env.createDatabase();
        env.declareTopology();
        Map<String, ServiceProcess> services = new LinkedHashMap<>();
        Map<String, Object> startup = new LinkedHashMap<>();
        for (String name : SERVICES) {
            console.phase("starting " + name, 0);
            services.put(name, env.start(name, Map.of()));
            Bench.ready(services.get(name), startup, console);
        }
        Map<String, DoubleSupplier> others = new LinkedHashMap<>();
        // The node's name is in its environment, not its command line: ask the node for its process.
        others.put("broker", ProcessCpu.broker(node == null ? 0
                : Long.parseLong(node.rabbitmqctl("eval", "os:getpid().").strip().replace("\"", ""))));
        others.put("database", ProcessCpu.postgres(database));
        others.put("harness", ProcessCpu.harness());
        List<ServiceProcess> running = List.copyOf(services.values());

        int messageBytes = RecordCodec.standard().encode(new RecordMessage(RecordIds.next(), BenchEnv.user(123),
                (ObjectNode) JSON.readTree(BenchEnv.payload(123_456)), Instant.now())).length;
        console.phase("broker limit: PerfTest as fast as it can", options.seconds());
        Map<String, Object> limit = BrokerBaseline.measure(env, messageBytes, options.seconds(), line -> { });
        console.line("  broker limit: " + limit.get("limit_msgs_per_s") + " msg/s");
        report.put("broker_limit_msgs_per_s", limit.get("limit_msgs_per_s"));

        IngestBench ingest = new IngestBench(env, console, services.get("generator"), running)
                .alsoMeasuring(others);
        ingest.warmUp(400, options.warmUpSeconds());
        console.phase("idle: each process's CPU with no load", 5);
        Map<String, Double> idle = cores(running, others, 5);
        console.line("  idle cores: " + idle);
        report.put("idle_cores", idle);

        Map<String, Object> rates = new LinkedHashMap<>();
        for (double rate : options.budget()) {
            Map<String, Object> atRate = new LinkedHashMap<>();
            console.phase(String.format(Locale.ROOT, "PerfTest at %.0f msg/s (one producer with confirms, one consumer)", rate),
                          options.seconds());
            Map<String, Double> before = seconds(List.of(), others);
            // PerfTest's connections close when it ends, and their counts with them: the last sample before that.
            java.util.Set<String> existing = connections(node).keySet();
            Map<String, long[]> lastSample = new LinkedHashMap<>();
            double[] sampledAfter = {0};
            long started = System.nanoTime();
            Thread sampler = Thread.ofPlatform().daemon().name("bench-connections").start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        Thread.sleep(1000);
                        Map<String, long[]> sample = connections(node);
                        synchronized (lastSample) {
                            if (!sample.isEmpty()) {
                                lastSample.clear();
                                lastSample.putAll(sample);
                                sampledAfter[0] = (System.nanoTime() - started) / 1e9;
                            }
                        }
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception e) {
                        // no sample this time
                    }
                }
            });
            Map<String, Object> perfTest = BrokerBaseline.measure(env, messageBytes, options.seconds(), rate, line -> { });
            sampler.interrupt();
            sampler.join();
            double sendingRate = ((Number) perfTest.get("sending_rate_avg_msgs_per_s")).doubleValue();
            double messages = sendingRate * options.seconds();
            Map<String, Double> perfTestCpu = perRecord(before, seconds(List.of(), others), messages);
            perfTestCpu.remove("database");
            Map<String, Map<String, Double>> perfTestConnections;
            synchronized (lastSample) {
                // Connections opened during the window: PerfTest's, counted from zero.
                lastSample.keySet().removeAll(existing);
                perfTestConnections = perMessage(Map.of(), lastSample, sendingRate * sampledAfter[0]);
            }
            console.line("  CPU ms per message: " + perfTestCpu + " (harness: PerfTest's producer and consumer)");
            perfTestConnections.forEach((name, counts) -> console.line("  connection " + name + " per message: " + counts));
            atRate.put("perftest_cpu_ms_per_message", perfTestCpu);
            atRate.put("perftest_connections_per_message", perfTestConnections);

            Map<String, long[]> pipelineBefore = connections(node);
            Map<String, Object> run = ingest.latencyRun("CPU budget", rate, options.seconds(), running);
            double accepted = ((Number) run.get("accepted")).doubleValue();
            Map<String, Map<String, Double>> pipelineConnections = perMessage(pipelineBefore, connections(node), accepted);
            pipelineConnections.forEach((name, counts) -> console.line("  connection " + name + " per record: " + counts));
            run.put("connections_per_record", pipelineConnections);
            atRate.put("pipeline", run);
            rates.put(Long.toString(Math.round(rate)), atRate);
        }
        report.put("budget", rates);
        if (options.jfr()) {
            // Apart from the budget's windows: the recording costs CPU of its own.
            double rate = options.budget().stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            JfrWindow.start(running);
            ingest.latencyRun("profiled", rate, options.seconds(), running);
            report.put("profiles", JfrWindow.stop(running, java.nio.file.Files.createDirectories(options.out().resolve("jfr"))));
        }
        report.put("method", "CPU: each process's CPU time (user + system, /proc through ProcessHandle) from the window's "
                + "start until the persister had taken the backlog, divided by the records accepted (PerfTest: by the "
                + "messages sent). broker: beam.smp; database: the postmaster and every process under it; harness: this "
                + "JVM (the load, its HTTP client, PerfTest's clients). Connections: the broker's "
                + "socket reads (recv_cnt) and writes (send_cnt) and bytes on each AMQP connection over the window, per "
                + "record (per message for PerfTest).");
        for (ServiceProcess service : running) {
            service.close();
        }
    }

    private static Map<String, Double> cores(List<ServiceProcess> services, Map<String, DoubleSupplier> others, int seconds)
            throws InterruptedException {
        Map<String, Double> before = seconds(services, others);
        long started = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        double elapsed = (System.nanoTime() - started) / 1e9;
        Map<String, Double> cores = new LinkedHashMap<>();
        seconds(services, others).forEach((name, cpu) -> cores.put(name, IngestBench.round((cpu - before.get(name)) / elapsed, 3)));
        return cores;
    }

    private static Map<String, Double> seconds(List<ServiceProcess> services, Map<String, DoubleSupplier> others) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        services.forEach(service -> seconds.put(service.name(), service.cpuSeconds()));
        others.forEach((name, cpu) -> seconds.put(name, cpu.getAsDouble()));
        return seconds;
    }

    private static Map<String, Double> perRecord(Map<String, Double> before, Map<String, Double> after, double records) {
        Map<String, Double> perRecord = new LinkedHashMap<>();
        after.forEach((name, cpu) -> perRecord.put(name, IngestBench.round((cpu - before.get(name)) * 1000 / records, 4)));
        return perRecord;
    }

    /**
     * Each AMQP connection of the node, by its client-given name and its address: socket reads, writes, bytes
     * received, bytes sent.
     */
    private static Map<String, long[]> connections(RabbitMqNode node) throws Exception {
        Map<String, long[]> connections = new LinkedHashMap<>();
        if (node == null) {
            return connections;
        }
        JsonNode list = JSON.readTree(node.rabbitmqctl("list_connections", "--formatter", "json", "--quiet",
                                                       "name", "client_properties", "recv_cnt", "send_cnt", "recv_oct", "send_oct"));
        for (JsonNode connection : list) {
            String name = "unnamed";
            for (JsonNode property : connection.get("client_properties")) {
                if (property.get(0).asText().equals("connection_name")) {
                    name = property.get(2).asText();
                }
            }
            long[] counts = {connection.get("recv_cnt").asLong(), connection.get("send_cnt").asLong(),
                             connection.get("recv_oct").asLong(), connection.get("send_oct").asLong()};
            connections.put(name + " " + connection.get("name").asText(), counts);
        }
        return connections;
    }

    private static Map<String, Map<String, Double>> perMessage(Map<String, long[]> before, Map<String, long[]> after,
                                                               double messages) {
        Map<String, Map<String, Double>> perMessage = new LinkedHashMap<>();
        after.forEach((name, counts) -> {
            long[] base = before.getOrDefault(name, new long[4]);
            Map<String, Double> figures = new LinkedHashMap<>();
            figures.put("socket_reads", IngestBench.round((counts[0] - base[0]) / messages, 3));
            figures.put("socket_writes", IngestBench.round((counts[1] - base[1]) / messages, 3));
            figures.put("bytes_in", IngestBench.round((counts[2] - base[2]) / messages, 1));
            figures.put("bytes_out", IngestBench.round((counts[3] - base[3]) / messages, 1));
            perMessage.put(name, figures);
        });
        return perMessage;
    }
}
