package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Argo CD Notifications start the smoke test after a healthy sync (argocd/notifications.yaml, installed
 * with Argo CD by infra/modules/gitops): every subscription of the Applications names a trigger and a
 * service that exist; the trigger fires only on a succeeded sync of a healthy Application; its template,
 * rendered for each Application, is the repository_dispatch that smoke.yml listens for, naming an
 * environment smoke.yml knows; the token stays out of Git.
 */
class ArgoCdNotificationsTest {

    private static final String SUBSCRIBE = "notifications.argoproj.io/subscribe.";
    /** The template expressions the body uses: the Application's environment label, and its web image's tag. */
    private static final String ENVIRONMENT = "{{index .app.metadata.labels \"datapipe.io/environment\"}}";
    private static final String VERSION =
            "{{range .app.status.summary.images}}{{if contains \"/datapipe/web:\" .}}{{last (splitList \":\" .)}}{{end}}{{end}}";

    static ObjectNode notifications() {
        return Yaml.document(Repo.ARGOCD.resolve("notifications.yaml"));
    }

    /** A value of the ConfigMap argocd-notifications-cm: itself YAML. */
    static JsonNode entry(String section, String key) {
        JsonNode text = notifications().path(section).path(key);
        assertThat(text.isTextual()).as(section + " " + key + " is defined").isTrue();
        try {
            return Yaml.MAPPER.readTree(text.asText());
        } catch (IOException e) {
            throw new AssertionError(section + " " + key + " is not YAML", e);
        }
    }

    static JsonNode trigger(String name) {
        return entry("triggers", "trigger." + name);
    }

    @Test
    void everySubscriptionNamesATriggerAndAServiceThatExist() {
        Map<String, ObjectNode> apps = ArgoCdTest.applications();
        assertThat(apps).isNotEmpty();
        for (ObjectNode app : apps.values()) {
            List<String> subscriptions = new ArrayList<>();
            app.path("metadata").path("annotations").fieldNames().forEachRemaining(k -> {
                if (k.startsWith(SUBSCRIBE)) {
                    subscriptions.add(k.substring(SUBSCRIBE.length()));
                }
            });
            assertThat(subscriptions).as(Manifests.name(app) + " subscribes to the smoke test").contains("on-deployed.datapipe-smoke");
            for (String subscription : subscriptions) {
                String trigger = subscription.substring(0, subscription.indexOf('.'));
                String service = subscription.substring(subscription.indexOf('.') + 1);
                assertThat(notifications().path("notifiers").has("service.webhook." + service)).as(service).isTrue();
                JsonNode conditions = trigger(trigger);
                assertThat(conditions.isArray() && !conditions.isEmpty()).as("trigger." + trigger).isTrue();
                for (JsonNode condition : conditions) {
                    for (JsonNode template : condition.path("send")) {
                        JsonNode webhook = entry("templates", "template." + template.asText()).path("webhook");
                        assertThat(webhook.has(service)).as("template " + template.asText() + " posts to " + service).isTrue();
                    }
                }
            }
        }
    }

    @Test
    void theTriggerFiresOnceARevisionIsSyncedAndHealthy() {
        JsonNode condition = trigger("on-deployed").get(0);
        assertThat(condition.path("when").asText())
                .contains("app.status.operationState.phase in ['Succeeded']")
                .contains("app.status.health.status == 'Healthy'");
        assertThat(condition.path("oncePer").asText()).contains("revision");
    }

    @Test
    void theTemplateIsTheDispatchSmokeYmlListensForForEveryEnvironment() throws IOException {
        ObjectNode smoke = Yaml.document(Repo.WORKFLOWS.resolve("smoke.yml"));
        JsonNode on = smoke.path("on");
        Set<String> events = new HashSet<>();
        on.path("repository_dispatch").path("types").forEach(t -> events.add(t.asText()));
        Set<String> environments = new HashSet<>();
        on.path("workflow_dispatch").path("inputs").path("environment").path("options").forEach(e -> environments.add(e.asText()));
        assertThat(events).isNotEmpty();
        assertThat(environments).isNotEmpty();

        JsonNode webhook = entry("templates", "template.datapipe-smoke").path("webhook").path("datapipe-smoke");
        assertThat(webhook.path("method").asText()).isEqualTo("POST");
        for (ObjectNode app : ArgoCdTest.applications().values()) {
            String environment = app.path("metadata").path("labels").path("datapipe.io/environment").asText();
            String body = webhook.path("body").asText().replace(ENVIRONMENT, environment).replace(VERSION, "0.1.0-abc1234");
            assertThat(body).as("only the environment label and the version are templated").doesNotContain("{{");
            JsonNode dispatch = Yaml.JSON.readTree(body);
            assertThat(events).as(Manifests.name(app)).contains(dispatch.path("event_type").asText());
            assertThat(environments).as(Manifests.name(app)).contains(dispatch.path("client_payload").path("environment").asText());
            assertThat(dispatch.path("client_payload").path("version").asText()).isEqualTo("0.1.0-abc1234");
        }
        assertThat(smoke.path("jobs").path("smoke").toString()).as("smoke.yml waits for the dispatched version")
                .contains("SMOKE_EXPECTED_VERSION").contains("github.event.client_payload.version");
    }

    @Test
    void theWebhookPostsToThisRepositorysDispatchesWithATokenFromASecret() {
        JsonNode service = entry("notifiers", "service.webhook.datapipe-smoke");
        assertThat(service.path("url").asText()).matches("https://api\\.github\\.com/repos/[^/]+/[^/]+/dispatches");
        List<String> authorization = new ArrayList<>();
        service.path("headers").forEach(h -> {
            if (h.path("name").asText().equals("Authorization")) {
                authorization.add(h.path("value").asText());
            }
        });
        assertThat(authorization).containsExactly("Bearer $github-token");
        assertThat(notifications().path("secret").path("create").asBoolean(true)).as("the Secret is made outside Git").isFalse();
    }

    @Test
    void argoCdIsInstalledWithThem() {
        assertThat(Yaml.read(Repo.ROOT.resolve("infra/modules/gitops/main.tf")))
                .contains("yamldecode(file(\"${path.module}/../../../argocd/notifications.yaml\"))");
    }
}
