package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Argo CD bootstrap: a project, an ApplicationSet, and the Applications it makes. */
class ArgoCdTest {

    static List<ObjectNode> bootstrap() {
        return Kustomize.render(Repo.ARGOCD);
    }

    static ObjectNode the(String kind) {
        return bootstrap().stream().filter(o -> kind.equals(o.path("kind").asText())).findFirst().orElseThrow();
    }

    static Map<String, ObjectNode> applications() {
        return ApplicationSets.applications(the("ApplicationSet")).stream()
                .collect(Collectors.toMap(Manifests::name, Function.identity()));
    }

    @Test
    void theBootstrapAndTheApplicationsItMakesMatchTheirSchemas() {
        assertThat(bootstrap()).extracting(o -> o.path("kind").asText()).containsExactlyInAnyOrder("AppProject", "ApplicationSet");
        assertThat(SchemaValidator.errors(bootstrap())).isEmpty();
        assertThat(SchemaValidator.errors(List.copyOf(applications().values()))).isEmpty();
    }

    @Test
    void oneApplicationPerEnvironmentOnAnOverlayThatExists() {
        Map<String, ObjectNode> apps = applications();
        assertThat(apps).containsOnlyKeys("datapipe-dev", "datapipe-stg", "datapipe-prd");
        apps.forEach((name, app) -> {
            JsonNode spec = app.path("spec");
            Path overlay = Repo.ROOT.resolve(spec.path("source").path("path").asText());
            assertThat(overlay.resolve("kustomization.yaml")).as(name).exists();
            assertThat(overlay.normalize()).as(name).startsWith(Repo.K8S.resolve("overlays"));
            // The Application's namespace is the one the overlay renders into.
            Manifests rendered = new Manifests(Kustomize.render(overlay));
            assertThat(rendered.ofKind("Namespace").map(Manifests::name)).as(name)
                    .containsExactly(spec.path("destination").path("namespace").asText());
            assertThat(spec.path("project").asText()).isEqualTo(Manifests.name(the("AppProject")));
        });
    }

    @Test
    void devAndStgSyncThemselvesWhileProductionWaitsForAPerson() {
        Map<String, ObjectNode> apps = applications();
        for (String env : List.of("dev", "stg")) {
            JsonNode automated = apps.get("datapipe-" + env).path("spec").path("syncPolicy").path("automated");
            assertThat(automated.path("prune").asBoolean()).as(env).isTrue();
            assertThat(automated.path("selfHeal").asBoolean()).as(env).isTrue();
        }
        JsonNode prd = apps.get("datapipe-prd").path("spec").path("syncPolicy");
        assertThat(prd.has("automated")).as("prd must not sync automatically").isFalse();
        assertThat(prd.path("syncOptions").toString()).as("the patch merges, it does not replace").contains("PruneLast=true");
    }

    @Test
    void theProjectAdmitsEveryApplicationAndEveryKindItDeploys() {
        ObjectNode project = the("AppProject");
        Set<String> repos = new HashSet<>();
        project.path("spec").path("sourceRepos").forEach(r -> repos.add(r.asText()));
        Set<String> destinations = new HashSet<>();
        project.path("spec").path("destinations").forEach(d -> destinations.add(d.path("server").asText() + " " + d.path("namespace").asText()));
        Set<String> namespaced = kinds(project.path("spec").path("namespaceResourceWhitelist"));
        Set<String> clusterScoped = kinds(project.path("spec").path("clusterResourceWhitelist"));
        applications().forEach((name, app) -> {
            JsonNode spec = app.path("spec");
            assertThat(repos).as(name).contains(spec.path("source").path("repoURL").asText());
            assertThat(destinations).as(name).contains(spec.path("destination").path("server").asText() + " " + spec.path("destination").path("namespace").asText());
            for (ObjectNode o : Kustomize.render(Repo.ROOT.resolve(spec.path("source").path("path").asText()))) {
                String gk = o.path("apiVersion").asText().replaceFirst("/?[^/]*$", "") + "/" + o.path("kind").asText();
                assertThat("Namespace".equals(o.path("kind").asText()) ? clusterScoped : namespaced).as(name + " deploys " + gk).contains(gk);
            }
        });
    }

    private static Set<String> kinds(JsonNode list) {
        Set<String> kinds = new HashSet<>();
        list.forEach(k -> kinds.add(k.path("group").asText() + "/" + k.path("kind").asText()));
        return kinds;
    }

    @Test
    void theRendererRefusesTemplateLanguageItDoesNotImplement() throws Exception {
        ObjectNode set = the("ApplicationSet");
        ((ObjectNode) set.path("spec")).put("templatePatch", "{{ range .items }}x{{ end }}");
        assertThatThrownBy(() -> ApplicationSets.applications(set)).isInstanceOf(UnsupportedOperationException.class);
        ObjectNode missingKey = the("ApplicationSet");
        ((ObjectNode) missingKey.at("/spec/template/spec/source")).put("path", "k8s/overlays/{{.environment}}");
        assertThatThrownBy(() -> ApplicationSets.applications(missingKey)).hasMessageContaining("no key environment");
    }

    @Test
    void aProductionThatSyncsItselfIsCaught() {
        ObjectNode set = the("ApplicationSet");
        ((ObjectNode) set.at("/spec/generators/0/list/elements/2")).put("autoSync", true);
        JsonNode prd = ApplicationSets.applications(set).stream().filter(a -> Manifests.name(a).equals("datapipe-prd")).findFirst().orElseThrow();
        assertThat(prd.at("/spec/syncPolicy/automated").isMissingNode()).isFalse();
    }

    @Test
    void anApplicationOnAMissingOverlayIsCaught() {
        ObjectNode set = the("ApplicationSet");
        ((ObjectNode) set.at("/spec/generators/0/list/elements/0")).put("env", "qa");
        ObjectNode qa = ApplicationSets.applications(set).getFirst();
        assertThat(Files.exists(Repo.ROOT.resolve(qa.at("/spec/source/path").asText()).resolve("kustomization.yaml"))).isFalse();
    }
}
