package io.datapipe.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.datapipe.monitoring.LocalPrometheus;
import io.datapipe.monitoring.MonitoringTools;
import io.datapipe.testsupport.ServiceProcess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The picture of a run, for a person: a real Prometheus scrapes the services every 2 s while the bench
 * runs; afterwards the overview dashboard's own queries (panels "Ingest rate", "Stored rate" and
 * "End-to-end lag p50 / p99" of dashboards/datapipe-overview.json) are asked over the ingest phases, and
 * gnuplot draws them into {@code ingest.png} beside the report (the numbers in {@code ingest.dat}).
 */
final class BenchPicture implements AutoCloseable {

    private static final String NAMESPACE = "bench";
    private static final List<String> PANELS = List.of("Ingest rate", "Stored rate", "End-to-end lag p50 / p99");

    private final LocalPrometheus prometheus;
    private final Path repo;

    private BenchPicture(LocalPrometheus prometheus, Path repo) {
        this.prometheus = prometheus;
        this.repo = repo;
    }

    static BenchPicture start(Path repo, Map<String, ServiceProcess> services) throws IOException {
        System.setProperty("datapipe.repo", repo.toString());
        List<LocalPrometheus.Target> targets = new ArrayList<>();
        services.forEach((name, service) -> targets.add(new LocalPrometheus.Target(
                name, "127.0.0.1:" + service.port(), Map.of("namespace", NAMESPACE, "service", name, "pod", name + "-0"))));
        // Every 2 s: a scrape may take as long as its interval, and a saturated generator answers /metrics slowly.
        LocalPrometheus prometheus = LocalPrometheus.start(new LocalPrometheus.Settings(targets, null, Duration.ofSeconds(2), Optional.empty()));
        // Stopped after the drawing, or when the bench ends another way.
        Runtime.getRuntime().addShutdownHook(new Thread(prometheus::close));
        return new BenchPicture(prometheus, repo);
    }

    /**
     * Queries the panels over [start, end] and draws them.
     *
     * @return where the picture and its data are
     */
    Map<String, Object> draw(Instant start, Instant end, Path out) throws IOException, InterruptedException {
        // time -> column -> value
        TreeMap<Long, Map<String, String>> rows = new TreeMap<>();
        List<String> columns = new ArrayList<>();
        for (Map.Entry<String, String> query : queries().entrySet()) {
            columns.add(query.getKey());
            for (JsonNode series : prometheus.queryRange(query.getValue(), start, end, Duration.ofSeconds(1))) {
                for (JsonNode point : series.path("values")) {
                    rows.computeIfAbsent(point.get(0).asLong(), t -> new LinkedHashMap<>()).put(query.getKey(), point.get(1).asText());
                }
            }
        }
        StringBuilder data = new StringBuilder("# seconds " + String.join(" ", columns.stream().map(c -> c.replace(' ', '_')).toList()) + "\n");
        long first = rows.isEmpty() ? 0 : rows.firstKey();
        rows.forEach((time, values) -> {
            data.append(time - first);
            columns.forEach(c -> data.append(' ').append(values.getOrDefault(c, "NaN")));
            data.append('\n');
        });
        Files.writeString(out.resolve("ingest.dat"), data);
        Files.writeString(out.resolve("ingest.gp"), script(columns));
        Process gnuplot = new ProcessBuilder(MonitoringTools.tool("gnuplot").toString(), "ingest.gp")
                .directory(out.toFile()).redirectErrorStream(true).start();
        String output = new String(gnuplot.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!gnuplot.waitFor(60, TimeUnit.SECONDS) || gnuplot.exitValue() != 0) {
            throw new IOException("gnuplot failed: " + output);
        }
        Map<String, Object> picture = new LinkedHashMap<>();
        picture.put("png", out.resolve("ingest.png").toString());
        picture.put("data", out.resolve("ingest.dat").toString());
        picture.put("points", rows.size());
        picture.put("queries", queries());
        return picture;
    }

    /** Legend to PromQL: the dashboard's targets of the panels, for this run's namespace. */
    Map<String, String> queries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(repo.resolve("dashboards/datapipe-overview.json").toFile());
        Map<String, String> queries = new LinkedHashMap<>();
        for (String title : PANELS) {
            JsonNode panel = find(dashboard.path("panels"), title);
            if (panel == null) {
                throw new IllegalStateException("dashboards/datapipe-overview.json has no panel '" + title + "'");
            }
            for (JsonNode target : panel.path("targets")) {
                String expr = target.path("expr").asText();
                if (!expr.contains(":")) { // SLO lines are recording rules, which this Prometheus does not evaluate
                    queries.put(target.path("legendFormat").asText(target.path("refId").asText()),
                                expr.replace("$namespace", NAMESPACE).replace("$__rate_interval", "5s"));
                }
            }
        }
        return queries;
    }

    private static JsonNode find(JsonNode panels, String title) {
        for (JsonNode panel : panels) {
            if (panel.path("title").asText().equals(title)) {
                return panel;
            }
            JsonNode nested = find(panel.path("panels"), title);
            if (nested != null) {
                return nested;
            }
        }
        return null;
    }

    /** Two plots on one page: records per second (accepted, stored) above, end-to-end lag below. */
    private static String script(List<String> columns) {
        StringBuilder rates = new StringBuilder();
        StringBuilder lags = new StringBuilder();
        for (int i = 0; i < columns.size(); i++) {
            String plot = String.format(Locale.ROOT, "'ingest.dat' using 1:%d with lines lw 2 title '%s'", i + 2, columns.get(i));
            StringBuilder into = columns.get(i).startsWith("p") ? lags : rates;
            into.append(into.isEmpty() ? "plot " : ", ").append(plot);
        }
        return String.join("\n",
                "set terminal png size 1200,800 font ',11'",
                "set output 'ingest.png'",
                "set multiplot layout 2,1 title 'datapipe bench: ingest (Prometheus, queries of the overview dashboard)'",
                "set grid",
                "set key top left",
                "set xlabel 'seconds into the ingest phases'",
                "set ylabel 'records/s'",
                rates.toString(),
                "set ylabel 'end-to-end lag (s)'",
                lags.toString(),
                "unset multiplot", "");
    }

    @Override
    public void close() {
        prometheus.close();
    }
}
