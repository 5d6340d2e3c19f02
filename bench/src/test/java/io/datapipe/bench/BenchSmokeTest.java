package io.datapipe.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole harness, for a couple of seconds per phase with tiny tables and rates, so that it cannot rot:
 * every phase runs against the packaged services, the real broker and database, and the report holds every
 * key with a sane value. The figures themselves mean nothing at this size.
 */
class BenchSmokeTest {

    private static final List<String> NUMBERS = List.of(
            "ingest_records_per_s", "broker_limit_msgs_per_s", "db_limit_rows_per_s", "ingest_vs_broker_ratio",
            "post_p50_ms", "post_p99_ms", "post_p999_ms", "e2e_p50_ms", "e2e_p99_ms",
            "get_p99_ms_1m", "get_p99_ms_10m",
            "get_first_page_p50_ms_1m", "get_first_page_p99_ms_1m", "get_deep_page_p50_ms_1m", "get_deep_page_p99_ms_1m",
            "get_first_page_p50_ms_10m", "get_first_page_p99_ms_10m", "get_deep_page_p50_ms_10m", "get_deep_page_p99_ms_10m",
            "rows_1m", "rows_10m",
            "ingest_batch_records_per_s", "ingest_batch_vs_broker_ratio", "generator_cpu_ms_per_post",
            "persister_cpu_ms_per_record", "generator_cpu_ms_per_batch_record",
            "broker_confirm_p99_ms_at_70_percent", "broker_delivery_p99_ms_at_70_percent");

    @Test
    @Timeout(300) // a hang, not a slow machine: it takes 1 to 2 minutes, more while other builds run
    void aShortRunWritesAReportWithEveryFigure() throws Exception {
        Path out = Path.of(System.getProperty("datapipe.bench.out", "target/bench-smoke"));
        BenchOptions options = BenchOptions.parse(
                "--seconds", "2", "--step-seconds", "2", "--rows", "2000,4000", "--users", "20",
                "--start-rate", "40", "--max-rate", "40", "--batch-size", "10", "--read-rate", "40",
                "--parallel-start", "--out", out.toString());
        ByteArrayOutputStream console = new ByteArrayOutputStream();

        Map<String, Object> report = Bench.run(options, new PrintStream(console, true, StandardCharsets.UTF_8));

        String printed = console.toString(StandardCharsets.UTF_8);
        assertThat(report).as(printed).doesNotContainKey("error");
        JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        for (String key : NUMBERS) {
            assertThat(json.has(key)).as("report has " + key).isTrue();
            assertThat(json.get(key).isNumber()).as(key + " is a number: " + json.get(key)).isTrue();
            assertThat(json.get(key).asDouble()).as(key).isGreaterThanOrEqualTo(0);
        }
        assertThat(json.get("broker_limit_msgs_per_s").asDouble()).isGreaterThan(100);
        assertThat(json.get("db_limit_rows_per_s").asDouble()).isGreaterThan(100);
        assertThat(json.get("e2e_p50_ms").asDouble()).isGreaterThan(0);
        JsonNode latencyRun = json.get("ingest_latency_run");
        assertThat(latencyRun.get("e2e_samples").asLong()).as("every record the latency run had accepted is in the database")
                .isEqualTo(latencyRun.get("accepted").asLong()).isPositive();
        assertThat(latencyRun.get("e2e_missing").asLong()).isZero();
        assertThat(json.get("post_p99_ms").asDouble()).isGreaterThanOrEqualTo(json.get("post_p50_ms").asDouble());
        assertThat(json.get("rows_10m").asLong()).isGreaterThanOrEqualTo(4000);
        assertThat(json.get("ingest_batch_records_per_s").asDouble()).as("batches of 10 at 4 a second are sustained")
                .isGreaterThan(0);
        assertThat(json.get("generator_cpu_ms_per_post").asDouble()).isGreaterThan(0);
        assertThat(json.get("persister_cpu_ms_per_record").asDouble()).isGreaterThan(0);
        assertThat(json.get("rows_scaled_down").asBoolean()).isTrue();
        for (String service : List.of("generator", "persister", "web")) {
            assertThat(json.get("startup_ms").get(service).asDouble()).as("startup of " + service).isGreaterThan(0);
            assertThat(json.get("rss_mb").get(service).asDouble()).as("RSS of " + service).isGreaterThan(10);
            assertThat(json.get("profiles").get(service).get("execution_samples").asInt()).as("JFR samples of " + service)
                    .isGreaterThan(0);
        }
        assertThat(json.get("machine").get("cores").asInt()).isPositive();
        assertThat(json.get("versions").get("helidon").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(json.get("versions").get("rabbitmq").asText()).matches("\\d+\\.\\d+.*");
        assertThat(json.get("versions").get("postgresql").asText()).matches("\\d+.*");
        assertThat(json.get("targets").size()).isGreaterThanOrEqualTo(11);
        assertThat(json.get("profiles").get("generator").get("hot_methods")).isNotEmpty();
        JsonNode cpuTime = json.get("profiles").get("generator").get("cpu_time_samples");
        if (Runtime.version().feature() >= 25) {
            assertThat(cpuTime.asLong()).as("CPU-time samples of the generator").isPositive();
            assertThat(json.get("profiles").get("generator").get("cpu_time_hot_methods")).isNotEmpty();
        } else {
            assertThat(cpuTime.asText()).startsWith("not available");
        }
        assertThat(out.resolve("ingest.png")).as("the picture").isNotEmptyFile();
        assertThat(json.get("picture").get("points").asInt()).as("seconds plotted").isGreaterThan(2);
        assertThat(printed).contains("target").contains("ingest, max sustained");
        assertThat(Files.exists(out.resolve("jfr").resolve("generator.jfr"))).isTrue();
    }
}
