package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * dashboards/*.json: they parse, follow the structure rules of {@link Dashboards}, link where they
 * should, and every one of them is provisioned.
 */
class DashboardTest {

    static final List<String> EXPECTED = List.of("datapipe-generator", "datapipe-overview", "datapipe-persister", "datapipe-web");

    @Test
    void theFourDashboardsAreThere() {
        assertThat(Dashboards.files()).extracting(f -> f.getFileName().toString().replaceFirst("\\.json$", ""))
                .containsExactlyElementsOf(EXPECTED);
    }

    @Test
    void everyDashboardFollowsTheRules() {
        List<String> problems = new ArrayList<>();
        for (Path file : Dashboards.files()) {
            problems.addAll(Dashboards.problems(file.getFileName().toString(), Dashboards.read(file)));
        }
        assertThat(problems).isEmpty();
    }

    /** dashboard-schema.mjs: Grafana's own schema (@grafana/schema), applied by the TypeScript compiler. */
    static Commands.Result schemaCheck(List<Path> files) {
        List<String> command = new ArrayList<>(List.of("node", Repo.TESTS.resolve("dashboard-schema.mjs").toString()));
        files.forEach(f -> command.add(f.toString()));
        return Commands.run(Repo.ROOT, null, command);
    }

    @Test
    void everyDashboardMatchesGrafanasSchema() {
        Commands.Result result = schemaCheck(Dashboards.files());
        assertThat(result.exitCode()).as(result.stderr()).isZero();
    }

    @Test
    void aKeyGrafanasSchemaDoesNotKnowIsCaught(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        ObjectNode web = Dashboards.read(Dashboards.DIR.resolve("datapipe-web.json"));
        JsonNode panel = Dashboards.panels(web).stream().filter(p -> p.has("fieldConfig")).findFirst().orElseThrow();
        ((ObjectNode) panel.path("fieldConfig").path("defaults")).put("units", "s");
        Path file = dir.resolve("misspelt.json");
        java.nio.file.Files.writeString(file, web.toPrettyString());
        Commands.Result result = schemaCheck(List.of(file));
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.stderr()).contains("'\"units\"' does not exist");
    }

    @Test
    void thresholdsThatStepDownAndAnUnnamedLineAreCaught() {
        ObjectNode overview = Dashboards.read(Dashboards.DIR.resolve("datapipe-overview.json"));
        JsonNode withSteps = Dashboards.panels(overview).stream()
                .filter(p -> p.at("/fieldConfig/defaults/thresholds/steps").size() > 2).findFirst().orElseThrow();
        ArrayNode steps = (ArrayNode) withSteps.at("/fieldConfig/defaults/thresholds/steps");
        ((ObjectNode) steps.get(2)).put("value", steps.get(1).path("value").asDouble() - 1);
        JsonNode withTwo = Dashboards.panels(overview).stream().filter(p -> p.path("targets").size() > 1
                && !List.of("stat", "gauge").contains(p.path("type").asText())).findFirst().orElseThrow();
        ((ObjectNode) withTwo.path("targets").get(1)).remove("legendFormat");
        assertThat(Dashboards.problems("datapipe-overview.json", overview))
                .anyMatch(p -> p.contains("threshold steps must increase"))
                .anyMatch(p -> p.contains("has no legendFormat"));
    }

    @Test
    void theOverviewAnswersTheIssuesQuestions() {
        JsonNode overview = Dashboards.read(Dashboards.DIR.resolve("datapipe-overview.json"));
        String queries = queries(overview);
        assertThat(queries).as("ingest rate").contains("rate(datapipe_records_accepted_total");
        assertThat(queries).as("end-to-end lag p50 and p99").contains("histogram_quantile(0.5, sum by (le) (rate(datapipe_persister_end_to_end_lag_seconds_bucket")
                .contains("histogram_quantile(0.99, sum by (le) (rate(datapipe_persister_end_to_end_lag_seconds_bucket");
        assertThat(queries).as("error rates from the HTTP histogram").contains("http_response_status_code=~\"5..\"");
        assertThat(queries).as("rejected and dead-lettered").contains("datapipe_records_rejected_total").contains("datapipe_rabbitmq_settled_total");
        assertThat(queries).as("DLQ depth").contains("datapipe_rabbitmq_queue_messages{namespace=\"$namespace\", queue=~\".*\\\\.dlq\"}");
        assertThat(queries).as("queue depth and consumers").contains("datapipe_rabbitmq_queue_consumers");
        assertThat(queries).as("p50/p99 per service and route")
                .contains("histogram_quantile(0.99, sum by (service, http_request_method, http_route, le)")
                .contains("histogram_quantile(0.5, sum by (service, http_request_method, http_route, le)");
    }

    @Test
    void theOverviewLinksTheStandardDashboardsAndEachServicesOwn() {
        JsonNode overview = Dashboards.read(Dashboards.DIR.resolve("datapipe-overview.json"));
        List<String> urls = new ArrayList<>();
        overview.path("links").forEach(l -> urls.add(l.path("url").asText()));
        assertThat(urls).anySatisfy(u -> assertThat(u).contains("grafana.com/grafana/dashboards/10991"));
        assertThat(urls).anySatisfy(u -> assertThat(u).contains("grafana.com/grafana/dashboards/9628"));
        assertThat(urls).contains("/d/datapipe-generator", "/d/datapipe-persister", "/d/datapipe-web");
        for (Path file : Dashboards.files()) {
            Dashboards.read(file).path("links").forEach(l -> {
                String url = l.path("url").asText();
                if (url.startsWith("/d/")) {
                    assertThat(EXPECTED).as(file.getFileName() + " links " + url).contains(url.substring(3));
                }
            });
        }
    }

    @Test
    void uidsAndTitlesAreUnique() {
        Set<String> uids = new HashSet<>();
        Set<String> titles = new HashSet<>();
        for (Path file : Dashboards.files()) {
            JsonNode d = Dashboards.read(file);
            assertThat(uids.add(d.path("uid").asText())).as("uid of " + file).isTrue();
            assertThat(titles.add(d.path("title").asText())).as("title of " + file).isTrue();
        }
    }

    @Test
    void everyDashboardIsProvisionedInItsOwnConfigMap() {
        ObjectNode kustomization = Yaml.document(Dashboards.DIR.resolve("kustomization.yaml"));
        List<String> files = new ArrayList<>();
        kustomization.path("configMapGenerator").forEach(g -> {
            assertThat(g.path("files")).as(g.path("name").asText() + ": one dashboard per ConfigMap (apply's 256 KiB annotation)").hasSize(1);
            files.add(g.path("files").path(0).asText());
        });
        assertThat(files).containsExactlyInAnyOrderElementsOf(Dashboards.files().stream().map(f -> f.getFileName().toString()).toList());
        assertThat(kustomization.at("/generatorOptions/labels/grafana_dashboard").asText()).isEqualTo("1");
        assertThat(kustomization.at("/generatorOptions/annotations/grafana_folder").asText()).isNotBlank();
    }

    @Test
    void everyEnvironmentShipsTheDashboardsLabelledForTheSidecar() {
        for (String env : Repo.ENVIRONMENTS) {
            Manifests m = new Manifests(Kustomize.render(Repo.overlay(env)));
            List<ObjectNode> maps = m.ofKind("ConfigMap").filter(c -> "1".equals(c.at("/metadata/labels/grafana_dashboard").asText())).toList();
            assertThat(maps).as(env).hasSize(EXPECTED.size());
            for (ObjectNode cm : maps) {
                JsonNode data = cm.path("data");
                assertThat(data.size()).as(Manifests.id(cm)).isEqualTo(1);
                String json = data.elements().next().asText();
                assertThat(json.length()).as(Manifests.id(cm) + " stays well under the 256 KiB of kubectl's last-applied annotation").isLessThan(200_000);
            }
        }
    }

    // --- the checks can fail --------------------------------------------------------------------

    private static ObjectNode overviewCopy() {
        return Dashboards.read(Dashboards.DIR.resolve("datapipe-overview.json")).deepCopy();
    }

    private static ObjectNode firstQueryPanel(ObjectNode d) {
        for (JsonNode p : Dashboards.panels(d)) {
            if (p.has("targets")) {
                return (ObjectNode) p;
            }
        }
        throw new AssertionError("no panel with queries");
    }

    @Test
    void aPanelWithoutAQueryIsCaught() {
        ObjectNode d = overviewCopy();
        firstQueryPanel(d).remove("targets");
        assertThat(Dashboards.problems("datapipe-overview.json", d)).anySatisfy(p -> assertThat(p).contains("needs queries"));
    }

    @Test
    void aHardCodedNamespaceIsCaught() {
        ObjectNode d = overviewCopy();
        ObjectNode target = (ObjectNode) firstQueryPanel(d).path("targets").path(0);
        target.put("expr", target.path("expr").asText().replace("$namespace", "datapipe-prd"));
        assertThat(Dashboards.problems("datapipe-overview.json", d))
                .anySatisfy(p -> assertThat(p).contains("must be namespace=\"$namespace\""))
                .anySatisfy(p -> assertThat(p).contains("names the namespace datapipe-prd"));
    }

    @Test
    void aFixedDataSourceAMissingUnitAndAWrongUidAreCaught() {
        ObjectNode d = overviewCopy();
        ObjectNode panel = firstQueryPanel(d);
        panel.putObject("datasource").put("type", "prometheus").put("uid", "P1809F7CD0C75ACF3");
        ((ObjectNode) panel.at("/fieldConfig/defaults")).remove("unit");
        d.put("uid", "abc123");
        assertThat(Dashboards.problems("datapipe-overview.json", d))
                .anySatisfy(p -> assertThat(p).contains("must query the ${datasource} variable"))
                .anySatisfy(p -> assertThat(p).contains("no unit"))
                .anySatisfy(p -> assertThat(p).contains("uid must be 'datapipe-overview'"));
    }

    @Test
    void aDashboardWithoutTheVariablesIsCaught() {
        ObjectNode d = overviewCopy();
        ((ArrayNode) d.at("/templating/list")).removeAll();
        assertThat(Dashboards.problems("datapipe-overview.json", d))
                .anySatisfy(p -> assertThat(p).contains("no 'datasource' variable"))
                .anySatisfy(p -> assertThat(p).contains("no 'namespace' query variable"));
    }

    private static String queries(JsonNode dashboard) {
        StringBuilder all = new StringBuilder();
        Dashboards.panels(dashboard).forEach(p -> p.path("targets").forEach(t -> all.append(t.path("expr").asText()).append('\n')));
        return all.toString();
    }
}
