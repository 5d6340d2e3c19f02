package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dashboards and rules cannot silently query metrics that do not exist: every metric name in every
 * PromQL query (dashboards, PrometheusRule, the canary's AnalysisTemplate) is one the services export (exported-metrics.txt), one a named exporter exports
 * (exporter-metrics/), or one a recording rule of the PrometheusRule records.
 */
class MetricNamesTest {

    static List<Path> queried() {
        List<Path> files = new ArrayList<>(Dashboards.files());
        files.add(Repo.K8S.resolve("base/monitoring/prometheusrule.yaml"));
        files.add(Repo.K8S.resolve("base/rollouts/analysistemplate.yaml"));
        return files;
    }

    static Set<String> recorded() {
        return PromQl.recorded(List.of(Yaml.document(Repo.K8S.resolve("base/monitoring/prometheusrule.yaml"))));
    }

    @Test
    void everyQueriedMetricIsExportedBySomething() {
        Map<String, Set<String>> queried = PromQl.metricNames(queried());
        assertThat(queried).hasSize(queried().size());
        queried.forEach((file, names) -> assertThat(names).as(file + " queries no metric at all").isNotEmpty());
        assertThat(PromQl.unknown(queried, recorded())).as("metric names that nothing exports, per file").isEmpty();
    }

    @Test
    void everyApplicationMetricIsShownSomewhere() {
        // The other way round, for datapipe's own metrics (not the JVM's and the pool's, of which
        // a live scrape lists many): one that no dashboard or rule shows is a panel someone
        // forgot, or a metric nobody needs.
        Set<String> used = new TreeSet<>();
        PromQl.metricNames(queried()).values().forEach(used::addAll);
        Set<String> unused = new TreeSet<>();
        List<String> exported = PromQl.names(PromQl.EXPORTED);
        for (String name : exported) {
            if (!name.startsWith("datapipe_") && !name.startsWith("http_server_")) {
                continue;
            }
            boolean summaryPart = name.endsWith("_sum") || name.endsWith("_count") || name.endsWith("_max");
            if (!used.contains(name) && !(summaryPart && used.stream().anyMatch(u -> u.startsWith(name.replaceFirst("_(sum|count|max)$", "_"))))) {
                unused.add(name);
            }
        }
        assertThat(unused).isEmpty();
    }

    @Test
    void theExportedListIsSortedUniqueAndSaysWhereItComesFrom() {
        List<String> names = PromQl.names(PromQl.EXPORTED);
        assertThat(names).isNotEmpty().doesNotHaveDuplicates().isSortedAccordingTo(String::compareTo);
        names.forEach(n -> assertThat(n).matches("[a-zA-Z_][a-zA-Z0-9_]*"));
        assertThat(Yaml.read(PromQl.EXPORTED)).startsWith("#").contains("MetricsIT");
    }

    @Test
    void everyExporterListNamesItsSourceAndHoldsOnlyMetricNames() {
        Map<String, List<String>> exporters = PromQl.exporters();
        assertThat(exporters).containsKeys("kube-state-metrics", "rabbitmq-prometheus", "postgres-exporter", "argo-rollouts", "prometheus");
        exporters.forEach((exporter, names) -> {
            assertThat(Yaml.read(PromQl.EXPORTERS.resolve(exporter + ".txt"))).as(exporter + " says where its names come from").startsWith("#");
            assertThat(names).as(exporter).isNotEmpty().doesNotHaveDuplicates();
            names.forEach(n -> assertThat(n).as(exporter).matches("[a-zA-Z_][a-zA-Z0-9_]*"));
        });
    }

    // --- the check can fail -------------------------------------------------------------------

    @Test
    void aDashboardQueryingAMadeUpMetricIsCaught(@TempDir Path dir) throws IOException {
        ObjectNode overview = Dashboards.read(Dashboards.DIR.resolve("datapipe-overview.json"));
        ObjectNode target = (ObjectNode) Dashboards.panels(overview).stream().filter(p -> p.has("targets")).findFirst().orElseThrow().path("targets").path(0);
        target.put("expr", "sum(rate(datapipe_records_acepted_total{namespace=\"$namespace\"}[$__rate_interval])) / sum(datapipe_made_up)");
        Path copy = Files.writeString(dir.resolve("made-up.json"), overview.toPrettyString());
        Map<String, Set<String>> unknown = PromQl.unknown(PromQl.metricNames(List.of(copy)), recorded());
        assertThat(unknown).hasSize(1);
        assertThat(unknown.values().iterator().next()).containsExactly("datapipe_made_up", "datapipe_records_acepted_total");
    }

    @Test
    void aRuleQueryingAMadeUpMetricOrAnUnrecordedRuleIsCaught(@TempDir Path dir) throws IOException {
        String rule = Yaml.read(Repo.K8S.resolve("base/monitoring/prometheusrule.yaml"))
                .replace("datapipe_rabbitmq_connection_up == 0", "datapipe_rabbitmq_connection_is_up == 0")
                .replace("datapipe:slo_availability:ratio))", "datapipe:slo_availabilty:ratio))");
        Path copy = Files.writeString(dir.resolve("rule.yaml"), rule);
        Map<String, Set<String>> unknown = PromQl.unknown(PromQl.metricNames(List.of(copy)), recorded());
        assertThat(unknown.values().iterator().next()).containsExactly("datapipe:slo_availabilty:ratio", "datapipe_rabbitmq_connection_is_up");
    }

    @Test
    void aQueryThatDoesNotParseFailsInsteadOfReadingNothing(@TempDir Path dir) throws IOException {
        Path broken = Files.writeString(dir.resolve("broken.promql"), "sum(rate(http_server_request_duration_seconds_count[5m])");
        assertThatThrownBy(() -> PromQl.metricNames(List.of(broken))).hasMessageContaining("broken.promql").hasMessageContaining("syntax error");
    }

    @Test
    void theExtractorReadsSelectorsNotWords(@TempDir Path dir) throws IOException {
        // Functions, label names and values, and durations are not metrics; __name__ matchers and
        // Grafana variables inside label values are understood.
        Path q = Files.writeString(dir.resolve("q.promql"),
                "histogram_quantile(0.99, sum by (le, service) (rate(a_bucket{service=\"up\", namespace=\"$namespace\"}[$__rate_interval])))"
                        + " / on (service) group_left () {__name__=\"b_total\"} + ignoring (le) label_replace(c, \"x\", \"$1\", \"y\", \"(.*)\") offset 5m");
        assertThat(PromQl.metricNames(List.of(q)).values().iterator().next()).containsExactly("a_bucket", "b_total", "c");
    }
}
