package io.datapipe.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The files whose PromQL people and machines read (the dashboards, the PrometheusRule, the canary's
 * AnalysisTemplate), read by {@code k8s/tests/promql-metrics.mjs} with Prometheus' own grammar.
 */
final class QueryFiles {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    private QueryFiles() {
    }

    static List<String> files() throws IOException {
        List<String> files = new ArrayList<>();
        try (Stream<Path> dashboards = Files.list(REPO.resolve("dashboards"))) {
            dashboards.filter(f -> f.toString().endsWith(".json")).map(Path::toString).sorted().forEach(files::add);
        }
        files.add(REPO.resolve("k8s/base/monitoring/prometheusrule.yaml").toString());
        files.add(REPO.resolve("k8s/base/rollouts/analysistemplate.yaml").toString());
        return files;
    }

    /** What promql-metrics.mjs prints for the files, with these options first; it must succeed. */
    static JsonNode read(String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", REPO.resolve("k8s/tests/promql-metrics.mjs").toString()));
        command.addAll(List.of(options));
        command.addAll(files());
        Process node = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!node.waitFor(60, TimeUnit.SECONDS) || node.exitValue() != 0) {
            throw new AssertionError("promql-metrics.mjs failed (see its errors above): " + command);
        }
        return new ObjectMapper().readTree(output);
    }
}
