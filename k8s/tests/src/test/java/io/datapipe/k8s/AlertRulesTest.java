package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The PrometheusRule of every environment: the alerts the issue asks for exist, each says how bad
 * it is, what happened and where its runbook is (a section of docs/runbooks.md that exists), keeps
 * the namespace label Alertmanager routes on, and the SLO targets are the agreed ones.
 */
class AlertRulesTest {

    static final Set<String> SEVERITIES = Set.of("page", "ticket", "info");
    static final String RUNBOOKS = "https://github.com/example-org/datapipe/blob/main/docs/runbooks.md#";
    /** The issue's list of alerts, and the alerts that answer each item. */
    static final Map<String, List<String>> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("DLQ not empty", List.of("DatapipeDeadLettersPresent"));
        REQUIRED.put("consumer lag growing", List.of("DatapipeConsumerLagGrowing", "DatapipeEndToEndLagAboveSLO"));
        REQUIRED.put("error rate above SLO", List.of("DatapipeErrorBudgetBurnFast", "DatapipeErrorBudgetBurnSlow"));
        REQUIRED.put("p99 latency above SLO", List.of("DatapipeLatencyAboveSLO"));
        REQUIRED.put("no consumers on the queue", List.of("DatapipeNoConsumers"));
        REQUIRED.put("pods restarting", List.of("DatapipePodsRestarting"));
        REQUIRED.put("broker connection down", List.of("DatapipeBrokerConnectionDown"));
        REQUIRED.put("database not reachable", List.of("DatapipeDatabaseUnreachable"));
    }

    private static final Pattern AGGREGATION = Pattern.compile("\\b(sum|min|max|avg|count|topk|bottomk|quantile|stddev|stdvar|group)\\s*(by|without)\\s*\\(([^)]*)\\)");

    static List<ObjectNode> rules(String env) {
        return Kustomize.render(Repo.overlay(env)).stream().filter(o -> "PrometheusRule".equals(o.path("kind").asText())).toList();
    }

    static List<JsonNode> alerts(List<ObjectNode> rules) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode r : rules) {
            r.path("spec").path("groups").forEach(g -> g.path("rules").forEach(rule -> {
                if (rule.has("alert")) {
                    out.add(rule);
                }
            }));
        }
        return out;
    }

    /** GitHub's anchors of the headings of a Markdown file: lower case, punctuation dropped, spaces to hyphens. */
    static Set<String> anchors(String markdown) {
        Set<String> out = new LinkedHashSet<>();
        boolean fenced = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            }
            if (!fenced && line.matches("#{1,6} .*")) {
                out.add(line.replaceFirst("^#+ ", "").strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    static Set<String> runbookAnchors() {
        return anchors(Yaml.read(Repo.ROOT.resolve("docs/runbooks.md")));
    }

    /** What is wrong with the alerts of these rules; empty when nothing is. */
    static List<String> problems(List<ObjectNode> rules, Set<String> anchors) {
        List<String> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (JsonNode alert : alerts(rules)) {
            String name = alert.path("alert").asText();
            if (!names.add(name)) {
                out.add(name + ": defined twice");
            }
            String severity = alert.path("labels").path("severity").asText();
            if (!SEVERITIES.contains(severity)) {
                out.add(name + ": severity '" + severity + "' is not one of " + SEVERITIES);
            }
            for (String annotation : List.of("summary", "description")) {
                if (alert.path("annotations").path(annotation).asText().isBlank()) {
                    out.add(name + ": no " + annotation);
                }
            }
            String runbook = alert.path("annotations").path("runbook_url").asText();
            if (!runbook.startsWith(RUNBOOKS)) {
                out.add(name + ": runbook_url '" + runbook + "' is not a section of docs/runbooks.md (" + RUNBOOKS + "<anchor>)");
            } else if (!anchors.contains(runbook.substring(RUNBOOKS.length()))) {
                out.add(name + ": runbook_url points to #" + runbook.substring(RUNBOOKS.length()) + ", which docs/runbooks.md does not have");
            }
        }
        for (ObjectNode r : rules) {
            r.path("spec").path("groups").forEach(g -> g.path("rules").forEach(rule -> {
                Matcher m = AGGREGATION.matcher(rule.path("expr").asText());
                while (m.find()) {
                    boolean keeps = "by".equals(m.group(2)) ? List.of(m.group(3).split("\\s*,\\s*")).contains("namespace")
                            : !List.of(m.group(3).split("\\s*,\\s*")).contains("namespace");
                    if (!keeps) {
                        out.add(rule.path(rule.has("alert") ? "alert" : "record").asText() + ": '" + m.group()
                                + "' drops the namespace label, which routes the alert to its environment");
                    }
                }
            }));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void everyAlertHasASeveritySummaryAndARunbookThatExists(String env) {
        assertThat(rules(env)).hasSize(1);
        assertThat(problems(rules(env), runbookAnchors())).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void theIssuesAlertsAreThere(String env) {
        List<String> names = alerts(rules(env)).stream().map(a -> a.path("alert").asText()).toList();
        REQUIRED.forEach((what, alerts) -> assertThat(names).as(what).containsAll(alerts));
    }

    @Test
    void everyEnvironmentEvaluatesTheSameRules() {
        JsonNode dev = rules("dev").getFirst().path("spec");
        assertThat(rules("stg").getFirst().path("spec")).isEqualTo(dev);
        assertThat(rules("prd").getFirst().path("spec")).isEqualTo(dev);
    }

    @Test
    void everyRunbookSectionIsAnAlertAndEveryAlertHasOne() {
        Set<String> alertAnchors = new LinkedHashSet<>();
        alerts(rules("prd")).forEach(a -> alertAnchors.add(a.path("alert").asText().toLowerCase(Locale.ROOT)));
        Set<String> sections = new LinkedHashSet<>();
        for (String anchor : runbookAnchors()) {
            if (anchor.startsWith("datapipe")) {
                sections.add(anchor);
            }
        }
        assertThat(sections).containsExactlyInAnyOrderElementsOf(alertAnchors);
    }

    @Test
    void theSloTargetsAreTheAgreedOnes() {
        Map<String, Double> targets = new LinkedHashMap<>();
        for (ObjectNode r : rules("prd")) {
            r.path("spec").path("groups").forEach(g -> g.path("rules").forEach(rule -> {
                String record = rule.path("record").asText();
                if (record.startsWith("datapipe:slo_")) {
                    Matcher m = Pattern.compile("^vector\\(([0-9.]+)\\)$").matcher(rule.path("expr").asText().strip());
                    assertThat(m.matches()).as(record + " is a constant").isTrue();
                    String key = record + rule.path("labels").path("http_request_method").asText("") + rule.path("labels").path("http_route").asText("");
                    targets.put(key, Double.parseDouble(m.group(1)));
                }
            }));
        }
        assertThat(targets).containsEntry("datapipe:slo_latency_p99:secondsPOST/data", 0.25)
                .containsEntry("datapipe:slo_latency_p99:secondsGET/data", 0.1)
                .containsEntry("datapipe:slo_latency_p99:secondsGET/data/{id}", 0.1)
                .containsEntry("datapipe:slo_availability:ratio", 0.999)
                .containsKey("datapipe:slo_end_to_end_lag_p99:seconds");
    }

    // --- the checks can fail --------------------------------------------------------------------

    private static List<ObjectNode> copy() {
        return rules("prd").stream().map(ObjectNode::deepCopy).toList();
    }

    private static ObjectNode alert(List<ObjectNode> rules, String name) {
        return (ObjectNode) alerts(rules).stream().filter(a -> name.equals(a.path("alert").asText())).findFirst().orElseThrow();
    }

    @Test
    void anAlertWithoutARunbookIsCaught() {
        List<ObjectNode> rules = copy();
        ((ObjectNode) alert(rules, "DatapipeDeadLettersPresent").path("annotations")).remove("runbook_url");
        assertThat(problems(rules, runbookAnchors())).anySatisfy(p -> assertThat(p).startsWith("DatapipeDeadLettersPresent: runbook_url ''"));
    }

    @Test
    void aRunbookAnchorThatDoesNotExistIsCaught() {
        List<ObjectNode> rules = copy();
        ((ObjectNode) alert(rules, "DatapipeNoConsumers").path("annotations")).put("runbook_url", RUNBOOKS + "no-such-section");
        assertThat(problems(rules, runbookAnchors())).containsExactly("DatapipeNoConsumers: runbook_url points to #no-such-section, which docs/runbooks.md does not have");
    }

    @Test
    void anUnknownSeverityAndAMissingSummaryAreCaught() {
        List<ObjectNode> rules = copy();
        ObjectNode a = alert(rules, "DatapipeTargetDown");
        ((ObjectNode) a.path("labels")).put("severity", "critical");
        ((ObjectNode) a.path("annotations")).remove("summary");
        assertThat(problems(rules, runbookAnchors())).contains("DatapipeTargetDown: severity 'critical' is not one of " + SEVERITIES, "DatapipeTargetDown: no summary");
    }

    @Test
    void anAggregationThatDropsTheNamespaceIsCaught() {
        List<ObjectNode> rules = copy();
        ObjectNode a = alert(rules, "DatapipeDatabaseUnreachable");
        a.put("expr", a.path("expr").asText().replace("sum by (namespace, service)", "sum by (service)"));
        assertThat(problems(rules, runbookAnchors())).anySatisfy(p -> assertThat(p).startsWith("DatapipeDatabaseUnreachable: 'sum by (service)' drops the namespace label"));
    }

    @Test
    void githubAnchorsAreComputedAsGithubDoes() {
        assertThat(anchors("# Runbooks\n## DatapipeNoConsumers\n```\n# not a heading\n```\n### Replaying the DLQ (with care)"))
                .containsExactly("runbooks", "datapipenoconsumers", "replaying-the-dlq-with-care");
    }
}
