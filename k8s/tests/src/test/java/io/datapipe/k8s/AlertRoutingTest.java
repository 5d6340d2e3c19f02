package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where each environment's alerts go (its AlertmanagerConfig, simulated by {@link AlertRouting}):
 * prd pages for severity=page and tells the chat channel too; dev and stg only ever post to chat;
 * no receiver's credentials are in Git.
 */
class AlertRoutingTest {

    static ObjectNode config(String env) {
        List<ObjectNode> configs = Kustomize.render(Repo.overlay(env)).stream()
                .filter(o -> "AlertmanagerConfig".equals(o.path("kind").asText())).toList();
        assertThat(configs).as(env + " has one AlertmanagerConfig").hasSize(1);
        return configs.getFirst();
    }

    static Map<String, String> alert(String env, String severity) {
        return Map.of("alertname", "DatapipeSomething", "namespace", "datapipe-" + env, "service", "generator", "severity", severity);
    }

    static Set<String> pagers(ObjectNode config, Map<String, String> labels) {
        return AlertRouting.receivers(config, labels).stream().filter(r -> AlertRouting.pages(AlertRouting.receiver(config, r))).collect(Collectors.toSet());
    }

    static Set<String> chats(ObjectNode config, Map<String, String> labels) {
        return AlertRouting.receivers(config, labels).stream().filter(r -> AlertRouting.chats(AlertRouting.receiver(config, r))).collect(Collectors.toSet());
    }

    @Test
    void productionPagesForSeverityPageAndTellsTheChannel() {
        ObjectNode prd = config("prd");
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
        ObjectNode config = config(env);
        for (JsonNode receiver : config.path("spec").path("receivers")) {
            assertThat(AlertRouting.pages(receiver)).as(env + " receiver " + receiver.path("name").asText() + " pages").isFalse();
        }
        for (String severity : List.of("page", "ticket", "info")) {
            assertThat(chats(config, alert(env, severity))).as(env + " " + severity + " goes to chat").isNotEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void everyReceiverIsUsedAndEveryRouteNamesOneThatExists(String env) {
        ObjectNode config = config(env);
        Set<String> defined = new java.util.HashSet<>();
        config.path("spec").path("receivers").forEach(r -> defined.add(r.path("name").asText()));
        assertThat(defined).containsExactlyInAnyOrderElementsOf(AlertRouting.routedReceivers(config));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void receiversTakeTheirCredentialsFromSecretsNotFromGit(String env) {
        ObjectNode config = config(env);
        String text = config.path("spec").path("receivers").toString();
        assertThat(text).doesNotContain("hooks.slack.com").doesNotContain("\"apiURL\":\"http").doesNotContain("\"routingKey\":\"");
        List<JsonNode> refs = AlertRouting.secretRefs(config);
        assertThat(refs).isNotEmpty();
        Manifests m = new Manifests(Kustomize.render(Repo.overlay(env)));
        Set<String> made = m.ofKind("ExternalSecret").map(e -> e.at("/spec/target/name").asText()).collect(Collectors.toSet());
        for (JsonNode ref : refs) {
            String name = ref.path("name").asText();
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
        ObjectNode prd = config("prd");
        assertThat(AlertRouting.receivers(prd, alert("dev", "page"))).isEmpty();
    }

    // --- the checks can fail --------------------------------------------------------------------

    @Test
    void aPagerInDevIsCaught() {
        ObjectNode dev = config("dev").deepCopy();
        ((ObjectNode) dev.at("/spec/receivers/0")).putArray("pagerdutyConfigs").addObject()
                .putObject("routingKey").put("name", "datapipe-alerting-pager").put("key", "routing-key");
        assertThat(pagers(dev, alert("dev", "page"))).isNotEmpty();
    }

    @Test
    void aProductionRouteThatStopsAtThePagerLeavesTheChannelOut() {
        ObjectNode prd = config("prd").deepCopy();
        ((ObjectNode) prd.at("/spec/route/routes/0")).put("continue", false);
        assertThat(pagers(prd, alert("prd", "page"))).isNotEmpty();
        assertThat(chats(prd, alert("prd", "page"))).isEmpty();
    }

    @Test
    void aProductionWithoutItsPagerRouteDoesNotPage() {
        ObjectNode prd = config("prd").deepCopy();
        ((ArrayNode) prd.at("/spec/route/routes")).remove(0);
        assertThat(pagers(prd, alert("prd", "page"))).isEmpty();
    }
}
