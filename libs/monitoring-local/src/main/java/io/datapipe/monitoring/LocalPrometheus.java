package io.datapipe.monitoring;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A real Prometheus (Debian's 2.42) on a free port: it scrapes the given targets, evaluates the given rule
 * groups and sends its alerts to an Alertmanager, and answers PromQL over its HTTP API.
 *
 * <pre>
 * try (LocalPrometheus prometheus = LocalPrometheus.start(new LocalPrometheus.Settings(
 *         List.of(new LocalPrometheus.Target("generator", "127.0.0.1:8081", Map.of("service", "generator"))),
 *         rules, Duration.ofSeconds(1), Optional.of(alertmanager.url())))) {
 *     JsonNode series = prometheus.query("up");
 * }
 * </pre>
 */
public final class LocalPrometheus extends LocalProgram {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** One scrape target: a job of one address, with the labels Prometheus puts on its series. */
    public record Target(String job, String address, Map<String, String> labels) {
    }

    /**
     * @param targets    what to scrape
     * @param ruleGroups the {@code groups} of a rule file (as in a PrometheusRule's spec), or null
     * @param interval   scrape and evaluation interval
     * @param alertmanager where alerts go, if anywhere
     * @param metricRelabelings {@code metric_relabel_configs} of every job (Prometheus' format), or null
     */
    public record Settings(List<Target> targets, JsonNode ruleGroups, Duration interval, Optional<URI> alertmanager,
                           JsonNode metricRelabelings) {

        public Settings(List<Target> targets, JsonNode ruleGroups, Duration interval, Optional<URI> alertmanager) {
            this(targets, ruleGroups, interval, alertmanager, null);
        }
    }

    private LocalPrometheus(Path dir, int port, List<String> arguments) throws IOException {
        super("prometheus", dir, port, arguments);
    }

    public static LocalPrometheus start(Settings settings) throws IOException {
        Path dir = Files.createTempDirectory("prometheus");
        int port = freePort();
        writeConfig(dir, settings);
        return new LocalPrometheus(dir, port, arguments(port, settings.interval()));
    }

    /** The command-line arguments of a Prometheus whose files {@link #writeConfig} wrote into its working directory. */
    public static List<String> arguments(int port, Duration interval) {
        return List.of(
                "--config.file=prometheus.yml",
                "--storage.tsdb.path=data",
                "--web.listen-address=127.0.0.1:" + port,
                "--web.enable-lifecycle",
                // Alerts found before the Alertmanager is discovered are dropped: resend on this clock, not each minute.
                "--rules.alert.resend-delay=" + Durations.format(interval));
    }

    /** Writes prometheus.yml (and rules.yml) for these settings into the directory. */
    public static void writeConfig(Path dir, Settings settings) throws IOException {
        ObjectNode config = YAML.createObjectNode();
        String interval = Durations.format(settings.interval());
        config.putObject("global").put("scrape_interval", interval).put("evaluation_interval", interval)
                .put("scrape_timeout", interval);
        if (settings.ruleGroups() != null) {
            ObjectNode rules = YAML.createObjectNode();
            rules.set("groups", settings.ruleGroups());
            Files.writeString(dir.resolve("rules.yml"), YAML.writeValueAsString(rules));
            config.putArray("rule_files").add("rules.yml");
        }
        settings.alertmanager().ifPresent(am -> config.putObject("alerting").putArray("alertmanagers").addObject()
                .putArray("static_configs").addObject().putArray("targets").add(am.getAuthority()));
        ArrayNode scrapes = config.putArray("scrape_configs");
        Map<String, List<Target>> byJob = new LinkedHashMap<>();
        settings.targets().forEach(t -> byJob.computeIfAbsent(t.job(), j -> new ArrayList<>()).add(t));
        byJob.forEach((job, targets) -> {
            ObjectNode scrape = scrapes.addObject().put("job_name", job);
            if (settings.metricRelabelings() != null) {
                scrape.set("metric_relabel_configs", settings.metricRelabelings());
            }
            ArrayNode statics = scrape.putArray("static_configs");
            for (Target target : targets) {
                ObjectNode one = statics.addObject();
                one.putArray("targets").add(target.address());
                ObjectNode labels = one.putObject("labels");
                target.labels().forEach(labels::put);
            }
        });
        Files.writeString(dir.resolve("prometheus.yml"), YAML.writeValueAsString(config));
    }

    /** The instant query's result (an array of series, or a scalar's [time, value]); a query Prometheus refuses throws with its error. */
    public JsonNode query(String promql) {
        JsonNode body = getJson("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        return body.path("data").path("result");
    }

    /** A range query's result: series with [time, value] pairs from start to end, every step. */
    public JsonNode queryRange(String promql, java.time.Instant start, java.time.Instant end, Duration step) {
        JsonNode body = getJson("/api/v1/query_range?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)
                                        + "&start=" + start.getEpochSecond() + "&end=" + end.getEpochSecond()
                                        + "&step=" + Math.max(1, step.toSeconds()));
        return body.path("data").path("result");
    }

    /** The values of a label over the series that match a selector. */
    public JsonNode labelValues(String label, String match) {
        return getJson("/api/v1/label/" + label + "/values?match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8)).path("data");
    }

    /** The alerts Prometheus holds (pending and firing), each with labels, annotations and state. */
    public JsonNode alerts() {
        return getJson("/api/v1/alerts").path("data").path("alerts");
    }

    /** The scrape targets and their health. */
    public JsonNode targets() {
        return getJson("/api/v1/targets").path("data").path("activeTargets");
    }
}
