package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The metric names queries read (promql-metrics.mjs, the Prometheus grammar in Node) and the names
 * that exist: what the services export (exported-metrics.txt, made from a live scrape by the e2e
 * MetricsIT) and what the named exporters export (exporter-metrics/*.txt, from their docs).
 */
final class PromQl {

    static final Path EXPORTED = Repo.TESTS.resolve("exported-metrics.txt");
    static final Path EXPORTERS = Repo.TESTS.resolve("exporter-metrics");

    private PromQl() {
    }

    /** File (as given, relative to the repository root) to the metric names its queries read. */
    static Map<String, Set<String>> metricNames(List<Path> files) {
        List<String> command = new ArrayList<>(List.of("node", Repo.TESTS.resolve("promql-metrics.mjs").toString()));
        files.forEach(f -> command.add(Repo.ROOT.relativize(f.toAbsolutePath().normalize()).toString()));
        Commands.Result result = Commands.run(Repo.ROOT, null, command);
        if (result.exitCode() != 0) {
            throw new IllegalArgumentException("promql-metrics.mjs failed (" + result.exitCode() + "):\n" + result.stderr());
        }
        try {
            Map<String, Set<String>> out = new LinkedHashMap<>();
            JsonNode json = Yaml.JSON.readTree(result.stdout());
            json.fields().forEachRemaining(e -> {
                Set<String> names = new TreeSet<>();
                e.getValue().forEach(n -> names.add(n.asText()));
                out.put(e.getKey(), names);
            });
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("unexpected output of promql-metrics.mjs: " + result.stdout(), e);
        }
    }

    /** The names of a metric list: one per line, '#' starts a comment. */
    static List<String> names(Path file) {
        List<String> names = new ArrayList<>();
        for (String line : Yaml.read(file).split("\n")) {
            String name = line.replaceFirst("#.*", "").strip();
            if (!name.isEmpty()) {
                names.add(name);
            }
        }
        return names;
    }

    /** Exporter name (file name without .txt) to the metric names listed for it. */
    static Map<String, List<String>> exporters() {
        Map<String, List<String>> out = new TreeMap<>();
        try (Stream<Path> files = Files.list(EXPORTERS)) {
            files.filter(f -> f.toString().endsWith(".txt")).sorted()
                    .forEach(f -> out.put(f.getFileName().toString().replaceFirst("\\.txt$", ""), names(f)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Names recorded by the rules of these PrometheusRules. */
    static Set<String> recorded(List<? extends JsonNode> objects) {
        Set<String> out = new TreeSet<>();
        for (JsonNode o : objects) {
            if ("PrometheusRule".equals(o.path("kind").asText())) {
                for (JsonNode group : o.path("spec").path("groups")) {
                    for (JsonNode rule : group.path("rules")) {
                        if (rule.hasNonNull("record")) {
                            out.add(rule.path("record").asText());
                        }
                    }
                }
            }
        }
        return out;
    }

    /**
     * The names no one exports: not by the services, not by an exporter, and (names with a colon)
     * not recorded by a rule. File to its unknown names; empty when every name is known.
     */
    static Map<String, Set<String>> unknown(Map<String, Set<String>> queried, Set<String> recorded) {
        Set<String> known = new TreeSet<>(names(EXPORTED));
        exporters().values().forEach(known::addAll);
        Map<String, Set<String>> out = new TreeMap<>();
        queried.forEach((file, names) -> {
            Set<String> missing = new TreeSet<>();
            for (String name : names) {
                if (name.contains(":") ? !recorded.contains(name) : !known.contains(name)) {
                    missing.add(name);
                }
            }
            if (!missing.isEmpty()) {
                out.put(file, missing);
            }
        });
        return out;
    }
}
