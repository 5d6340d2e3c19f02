package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.monitoring.AlertmanagerConfigs;
import io.datapipe.monitoring.LocalAlertmanager;
import io.datapipe.monitoring.MonitoringTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where each environment's alerts go, decided by Alertmanager's own tools: each overlay's
 * AlertmanagerConfig, rendered by Kustomize and turned into Alertmanager's configuration as the
 * Prometheus Operator does (AlertmanagerConfigs), must pass `amtool check-config`, and
 * `amtool config routes test` says which receivers an alert reaches: prd pages for severity=page
 * and tells the chat channel too; dev and stg only ever post to chat; an alert of another namespace
 * reaches none of them. No receiver's credentials are in Git. A real Alertmanager with each environment's
 * configuration holds back the alerts another alert makes redundant, and only in that environment.
 */
class AlertRoutingTest {

    /** Integrations that notify a person's phone, not a channel (Alertmanager's own names). */
    static final Set<String> PAGERS = Set.of("pagerduty_configs", "opsgenie_configs", "victorops_configs", "pushover_configs");
    /** Integrations that post to a team's chat. */
    static final Set<String> CHATS = Set.of("slack_configs", "msteams_configs", "webex_configs", "discord_configs",
            "telegram_configs");

    @TempDir
    Path dir;

    static ObjectNode config(String env) {
        List<ObjectNode> configs = Kustomize.render(Repo.overlay(env)).stream()
                .filter(o -> "AlertmanagerConfig".equals(o.path("kind").asText())).toList();
        assertThat(configs).as(env + " has one AlertmanagerConfig").hasSize(1);
        return configs.getFirst();
    }

    /** Alertmanager's configuration of the cluster, with stand-ins for the Secrets' values. */
    static ObjectNode alertmanager(ObjectNode config, String env) {
        return AlertmanagerConfigs.render(config, "datapipe-" + env,
                (name, key) -> key.contains("url") ? "https://chat.invalid/" + name : "secret-of-" + name);
    }

    /** Writes the configuration, checks it with amtool check-config, and returns its path. */
    Path checked(ObjectNode alertmanager) {
        try {
            Path file = Files.createTempFile(dir, "alertmanager", ".yml");
            Files.writeString(file, Yaml.write(List.of(alertmanager)));
            Commands.Result check = Commands.run(dir, null, List.of(amtool(), "check-config", file.toString()));
            assertThat(check.exitCode()).as("amtool check-config:\n" + check.stdout() + check.stderr()).isZero();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The receivers (their names in the AlertmanagerConfig) an alert with these labels reaches, by amtool. */
    Set<String> receivers(ObjectNode alertmanager, Map<String, String> labels) {
        List<String> command = new ArrayList<>(List.of(amtool(), "config", "routes", "test", "--config.file=" + checked(alertmanager)));
        labels.forEach((k, v) -> command.add(k + "=" + v));
        Commands.Result result = Commands.run(dir, null, command);
        assertThat(result.exitCode()).as(String.join(" ", command) + "\n" + result.stderr()).isZero();
        return Arrays.stream(result.stdout().strip().split(","))
                .filter(r -> !r.equals("null"))
                .map(r -> r.substring(r.lastIndexOf('/') + 1))
                .collect(Collectors.toSet());
    }

    static Map<String, String> alert(String env, String severity) {
        return Map.of("alertname", "DatapipeSomething", "namespace", "datapipe-" + env, "service", "generator", "severity", severity);
    }

    static boolean pages(ObjectNode alertmanager, String receiver) {
        return integrations(alertmanager, receiver).stream().anyMatch(PAGERS::contains);
    }

    static boolean chats(ObjectNode alertmanager, String receiver) {
        return integrations(alertmanager, receiver).stream().anyMatch(CHATS::contains);
    }

    static Set<String> integrations(ObjectNode alertmanager, String receiver) {
        Set<String> kinds = new HashSet<>();
        for (JsonNode r : alertmanager.path("receivers")) {
            if (r.path("name").asText().endsWith("/" + receiver)) {
                r.fieldNames().forEachRemaining(kinds::add);
            }
        }
        return kinds;
    }

    Set<String> pagers(ObjectNode alertmanager, Map<String, String> labels) {
        return receivers(alertmanager, labels).stream().filter(r -> pages(alertmanager, r)).collect(Collectors.toSet());
    }

    Set<String> chats(ObjectNode alertmanager, Map<String, String> labels) {
        return receivers(alertmanager, labels).stream().filter(r -> chats(alertmanager, r)).collect(Collectors.toSet());
    }

    private static String amtool() {
        return MonitoringTools.tool("amtool").toString();
    }

    @Test
    void productionPagesForSeverityPageAndTellsTheChannel() {
        ObjectNode prd = alertmanager(config("prd"), "prd");
        assertThat(pagers(prd, alert("prd", "page"))).as("severity=page pages").isNotEmpty();
        assertThat(chats(prd, alert("prd", "page"))).as("and the channel hears of it").isNotEmpty();
        for (String severity : List.of("ticket", "info")) {
            assertThat(pagers(prd, alert("prd", severity))).as(severity + " does not page").isEmpty();
            assertThat(chats(prd, alert("prd", severity))).as(severity + " goes to chat").isNotEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg"})
    void devAndStagingNeverPage(String env) {
        ObjectNode am = alertmanager(config(env), env);
        for (JsonNode receiver : am.path("receivers")) {
            String name = receiver.path("name").asText();
            assertThat(pages(am, name.substring(name.lastIndexOf('/') + 1))).as(env + " receiver " + name + " pages").isFalse();
        }
        for (String severity : List.of("page", "ticket", "info")) {
            assertThat(chats(am, alert(env, severity))).as(env + " " + severity + " goes to chat").isNotEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void everyReceiverIsReachedBySomeSeverity(String env) {
        ObjectNode config = config(env);
        ObjectNode am = alertmanager(config, env);
        Set<String> reached = new HashSet<>();
        for (String severity : List.of("page", "ticket", "info")) {
            reached.addAll(receivers(am, alert(env, severity)));
        }
        Set<String> defined = new HashSet<>();
        config.path("spec").path("receivers").forEach(r -> defined.add(r.path("name").asText()));
        assertThat(reached).containsExactlyInAnyOrderElementsOf(defined);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void receiversTakeTheirCredentialsFromSecretsNotFromGit(String env) {
        ObjectNode config = config(env);
        String text = config.path("spec").path("receivers").toString();
        assertThat(text).doesNotContain("hooks.slack.com").doesNotContain("\"apiURL\":\"http").doesNotContain("\"routingKey\":\"");
        List<Map.Entry<String, String>> refs = AlertmanagerConfigs.secretRefs(config);
        assertThat(refs).isNotEmpty();
        Manifests m = new Manifests(Kustomize.render(Repo.overlay(env)));
        Set<String> made = m.ofKind("ExternalSecret").map(e -> e.at("/spec/target/name").asText()).collect(Collectors.toSet());
        for (Map.Entry<String, String> ref : refs) {
            String name = ref.getKey();
            if ("dev".equals(env)) {
                assertThat(Policies.EXTERNAL_SECRETS).as("dev's " + name + " is made by hand (docs/observability.md)").contains(name);
            } else {
                assertThat(made).as(env + ": an ExternalSecret makes " + name).contains(name);
            }
            assertThat(m.find("Secret", name)).as(name + " is not in Git").isEmpty();
        }
    }

    @Test
    void anAlertOfAnotherNamespaceIsNotThisConfigsBusiness() {
        ObjectNode prd = alertmanager(config("prd"), "prd");
        assertThat(receivers(prd, alert("dev", "page"))).isEmpty();
    }

    // --- the checks can fail --------------------------------------------------------------------

    @Test
    void aPagerInDevIsCaught() {
        ObjectNode dev = config("dev").deepCopy();
        ((ObjectNode) dev.at("/spec/receivers/0")).putArray("pagerdutyConfigs").addObject()
                .putObject("routingKey").put("name", "datapipe-alerting-pager").put("key", "routing-key");
        assertThat(pagers(alertmanager(dev, "dev"), alert("dev", "page"))).isNotEmpty();
    }

    @Test
    void aProductionRouteThatStopsAtThePagerLeavesTheChannelOut() {
        ObjectNode prd = config("prd").deepCopy();
        ((ObjectNode) prd.at("/spec/route/routes/0")).put("continue", false);
        ObjectNode am = alertmanager(prd, "prd");
        assertThat(pagers(am, alert("prd", "page"))).isNotEmpty();
        assertThat(chats(am, alert("prd", "page"))).isEmpty();
    }

    @Test
    void aProductionWithoutItsPagerRouteDoesNotPage() {
        ObjectNode prd = config("prd").deepCopy();
        ((ArrayNode) prd.at("/spec/route/routes")).remove(0);
        assertThat(pagers(alertmanager(prd, "prd"), alert("prd", "page"))).isEmpty();
    }

    @Test
    void aRouteToAReceiverThatDoesNotExistFailsCheckConfig() {
        ObjectNode prd = config("prd").deepCopy();
        ((ObjectNode) prd.at("/spec/route/routes/0")).put("receiver", "nobody");
        Commands.Result check;
        try {
            Path file = Files.createTempFile(dir, "alertmanager", ".yml");
            Files.writeString(file, Yaml.write(List.of(alertmanager(prd, "prd"))));
            check = Commands.run(dir, null, List.of(amtool(), "check-config", file.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(check.exitCode()).isNotZero();
        assertThat(check.stdout() + check.stderr()).contains("nobody");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void aFailedMigrationAlertsOnceNotAlsoAsAFailedJob(String env) throws Exception {
        String namespace = "datapipe-" + env;
        ObjectNode config = AlertmanagerConfigs.deliverTo(alertmanager(config(env), env), "http://127.0.0.1:9");
        try (LocalAlertmanager alertmanager = LocalAlertmanager.start(config)) {
            ArrayNode alerts = Yaml.JSON.createArrayNode();
            alerts.add(firing("DatapipeSchemaMigrationFailed", namespace, null));
            alerts.add(firing("KubeJobFailed", namespace, "persister-migration"));
            alerts.add(firing("KubeJobFailed", namespace, "another-job"));
            alerts.add(firing("KubeJobFailed", "another-namespace", "persister-migration"));
            alertmanager.fire(alerts);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(states(alertmanager)).isEqualTo(Map.of(
                    "DatapipeSchemaMigrationFailed " + namespace + " -", "active",
                    "KubeJobFailed " + namespace + " persister-migration", "suppressed",
                    "KubeJobFailed " + namespace + " another-job", "active",
                    "KubeJobFailed another-namespace persister-migration", "active")));
        }
    }

    private static ObjectNode firing(String alertname, String namespace, String jobName) {
        ObjectNode alert = Yaml.JSON.createObjectNode();
        ObjectNode labels = alert.putObject("labels").put("alertname", alertname).put("namespace", namespace).put("severity", "ticket");
        if (jobName != null) {
            labels.put("job_name", jobName);
        }
        return alert;
    }

    /** Each alert Alertmanager holds ("alertname namespace job_name") and its state: active, or suppressed by an inhibition. */
    private static Map<String, String> states(LocalAlertmanager alertmanager) {
        Map<String, String> states = new TreeMap<>();
        for (JsonNode alert : alertmanager.alerts()) {
            JsonNode labels = alert.path("labels");
            states.put(labels.path("alertname").asText() + " " + labels.path("namespace").asText() + " " + labels.path("job_name").asText("-"),
                       alert.at("/status/state").asText());
        }
        return states;
    }
}
