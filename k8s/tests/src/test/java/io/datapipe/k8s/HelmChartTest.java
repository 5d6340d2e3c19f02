package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.datapipe.k8s.Manifests.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * charts/datapipe: lints, renders with its defaults and each environment's values, and
 * what it renders passes the schemas and the policies of the Kustomize output - and says
 * the same things as the Kustomize output where it matters.
 */
class HelmChartTest {

    private static final Map<String, String> RENDERED = new ConcurrentHashMap<>();
    /** The oldest Kubernetes the manifests are written for (the preStop sleep action is 1.30). */
    static final String KUBE_VERSION = "1.30.0";
    /** The hook annotations' prefix (helm.sh/hook, -weight, -delete-policy), and what the rendered copy calls it. */
    private static final String HOOK = "helm.sh/hook";
    private static final String HOOK_RENAMED = "datapipe.test/helm-hook";
    /**
     * The chart with its hooks rendered: helm-java's template prints the release's manifest only, which
     * leaves the hooks out (the migration Job, its ServiceAccount and NetworkPolicy). This copy of the chart
     * names the hook annotations otherwise, so that they render with the rest; {@link #template} names them
     * back. Nothing else differs.
     */
    private static final Path WITH_HOOKS = withHooksRendered();

    private static Path withHooksRendered() {
        try {
            Path copy = Files.createTempDirectory("datapipe-chart").resolve("datapipe");
            try (Stream<Path> files = Files.walk(Repo.CHART)) {
                for (Path file : files.toList()) {
                    Path target = copy.resolve(Repo.CHART.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else if (file.startsWith(Repo.CHART.resolve("templates"))) {
                        Files.writeString(target, Files.readString(file).replace(HOOK, HOOK_RENAMED));
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** helm template of the chart, hooks included, configured by {@code options}. */
    static String template(UnaryOperator<TemplateCommand> options) {
        return options.apply(new Helm(WITH_HOOKS).template().withKubeVersion(KUBE_VERSION)).call().replace(HOOK_RENAMED, HOOK);
    }

    /** helm template, default values ("default") or values-<env>.yaml, into the environment's namespace. */
    static Manifests render(String values) {
        String text = RENDERED.computeIfAbsent(values, v -> template(t -> {
            var template = t.withName("datapipe").withNamespace("default".equals(v) ? "datapipe" : "datapipe-" + v);
            if (!"default".equals(v)) {
                template = template.withValuesFile(Repo.CHART.resolve("values-" + v + ".yaml")).withValuesFile(Repo.overlay(v).resolve("platform.yaml"));
            }
            return template;
        }));
        return new Manifests(new ArrayList<>(Yaml.copy(Yaml.documents(text))));
    }

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(Repo.CHART).lint().strict().call();
        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "dev", "stg", "prd"})
    void everyObjectMatchesItsSchema(String values) {
        assertThat(SchemaValidator.errors(render(values).objects)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void everyPolicyHoldsForEachEnvironment(String env) {
        assertThat(Policies.check(render(env))).isEmpty();
    }

    @Test
    void theDefaultsHoldEveryPolicyButTheRegionWhichIsPerEnvironment() {
        Map<String, List<String>> violations = Policies.check(render("default"));
        assertThat(violations).containsOnlyKeys("collectorRegion");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void rendersTheSameObjectsAsTheOverlay(String env) {
        Manifests helm = render(env);
        Manifests kustomize = new Manifests(Kustomize.render(Repo.overlay(env)));
        // Kustomize adds the Namespace and hashes ConfigMap names; Helm adds nothing else.
        assertThat(ids(helm)).containsExactlyInAnyOrderElementsOf(ids(kustomize).stream()
                .filter(id -> !id.startsWith("Namespace/")).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void podsAreConfiguredAsInTheOverlay(String env) {
        Manifests helm = render(env);
        Manifests kustomize = new Manifests(Kustomize.render(Repo.overlay(env)));
        for (Workload k : kustomize.workloads()) {
            Workload h = helm.workloads().stream().filter(w -> w.id().equals(k.id())).findFirst().orElseThrow();
            JsonNode kc = k.podSpec().path("containers").path(0);
            JsonNode hc = h.podSpec().path("containers").path(0);
            assertThat(helm.environment((ObjectNode) hc)).as(k.id() + " environment").isEqualTo(kustomize.environment((ObjectNode) kc));
            for (String field : List.of("image", "ports", "resources", "securityContext", "startupProbe", "livenessProbe", "readinessProbe", "lifecycle")) {
                assertThat(hc.path(field)).as(k.id() + " " + field).isEqualTo(kc.path(field));
            }
            assertThat(new TreeMap<>(h.podLabels())).as(k.id() + " labels").isEqualTo(new TreeMap<>(k.podLabels()));
            for (String field : List.of("securityContext", "terminationGracePeriodSeconds", "serviceAccountName")) {
                assertThat(h.podSpec().path(field)).as(k.id() + " " + field).isEqualTo(k.podSpec().path(field));
            }
            assertThat(mounts(hc)).as(k.id() + " mounts").isEqualTo(mounts(kc));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void policiesRoutesRolloutsAndTopologyAreAsInTheOverlay(String env) {
        Manifests helm = render(env);
        Manifests kustomize = new Manifests(Kustomize.render(Repo.overlay(env)));
        for (String kind : List.of("NetworkPolicy", "HTTPRoute", "Rollout", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor",
                "AnalysisTemplate", "Queue", "Exchange", "Binding", "Permission", "User", "Vhost", "ExternalSecret", "PrometheusRule", "RabbitmqCluster",
                "AlertmanagerConfig", "BackendTrafficPolicy", "ClientTrafficPolicy", "Policy")) {
            kustomize.ofKind(kind).forEach(k -> {
                ObjectNode h = helm.find(kind, Manifests.name(k)).orElseThrow(() -> new AssertionError(Manifests.id(k) + " not rendered by Helm"));
                assertThat(h.path("spec")).as(env + " " + Manifests.id(k)).isEqualTo(k.path("spec"));
                assertThat(Manifests.syncWave(h)).as(env + " " + Manifests.id(k) + " sync wave").isEqualTo(Manifests.syncWave(k));
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void dashboardsAreTheSameConfigMapsAsInTheOverlay(String env) {
        Manifests helm = render(env);
        Manifests kustomize = new Manifests(Kustomize.render(Repo.overlay(env)));
        List<ObjectNode> dashboards = kustomize.ofKind("ConfigMap").filter(c -> c.at("/metadata/labels/grafana_dashboard").asText().equals("1")).toList();
        assertThat(dashboards).hasSize(Dashboards.files().size());
        for (ObjectNode k : dashboards) {
            ObjectNode h = helm.find("ConfigMap", Manifests.name(k)).orElseThrow(() -> new AssertionError(Manifests.id(k) + " not rendered by Helm"));
            assertThat(h.path("data")).as(Manifests.id(k)).isEqualTo(k.path("data"));
            assertThat(h.at("/metadata/annotations/grafana_folder")).as(Manifests.id(k)).isEqualTo(k.at("/metadata/annotations/grafana_folder"));
            assertThat(h.at("/metadata/labels/grafana_dashboard").asText()).isEqualTo("1");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "dev", "stg", "prd"})
    void migratesInAHookBeforeInstallAndUpgradeWithThePersistersImageAndDatabase(String values) {
        Manifests m = render(values);
        ObjectNode job = m.find("Job", "persister-migration").orElseThrow();
        assertThat(annotation(job, "helm.sh/hook")).isEqualTo("pre-install,pre-upgrade");
        assertThat(annotation(job, "helm.sh/hook-delete-policy")).isEqualTo("before-hook-creation");
        // Helm applies nothing of the release before its hooks: what the Job runs with is a hook too, made first.
        for (String kind : List.of("ServiceAccount", "NetworkPolicy")) {
            ObjectNode before = m.find(kind, "persister-migration").orElseThrow();
            assertThat(annotation(before, "helm.sh/hook")).as(kind).isEqualTo("pre-install,pre-upgrade");
            assertThat(Integer.parseInt(annotation(before, "helm.sh/hook-weight"))).as(kind).isLessThan(Integer.parseInt(annotation(job, "helm.sh/hook-weight")));
        }
        // The Job's login, as the chart makes it (an ExternalSecret, or a Secret with secrets.create): a hook made
        // before the Job's ServiceAccount, so that a first install needs no Secret made by hand. The others are not.
        int account = Integer.parseInt(annotation(m.find("ServiceAccount", "persister-migration").orElseThrow(), "helm.sh/hook-weight"));
        List<ObjectNode> logins = Stream.of("Secret", "ExternalSecret").flatMap(kind -> m.find(kind, "datapipe-db-persister").stream()).toList();
        assertThat(logins).as("the persister's database login, made by the chart").isNotEmpty();
        for (ObjectNode login : logins) {
            assertThat(annotation(login, "helm.sh/hook")).as(Manifests.id(login)).isEqualTo("pre-install,pre-upgrade");
            assertThat(annotation(login, "helm.sh/hook-delete-policy")).as(Manifests.id(login)).isEqualTo("before-hook-creation");
            assertThat(Integer.parseInt(annotation(login, "helm.sh/hook-weight"))).as(Manifests.id(login)).isLessThan(account);
        }
        Stream.of("Secret", "ExternalSecret").flatMap(kind -> m.find(kind, "datapipe-db-web").stream())
                .forEach(other -> assertThat(other.at("/metadata/annotations").has("helm.sh/hook")).as(Manifests.id(other)).isFalse());
        Workload persister = m.workloads().stream().filter(w -> w.id().equals("Deployment/persister")).findFirst().orElseThrow();
        JsonNode container = job.at("/spec/template/spec/containers/0");
        assertThat(container.path("image").asText()).isEqualTo(persister.containers().getFirst().path("image").asText());
        // Written into the Job: the ConfigMap does not exist before an install and is the previous release's before an upgrade.
        assertThat(container.findValues("configMapKeyRef")).isEmpty();
        assertThat(m.environment((ObjectNode) container).get("DATAPIPE_DB_URL")).isEqualTo(m.environment(persister.containers().getFirst()).get("DATAPIPE_DB_URL"));
        assertThat(m.environment(persister.containers().getFirst())).containsEntry("DATAPIPE_DB_MIGRATE", "false");
        assertThat(SchemaMigrationPolicies.job(m)).isEmpty();
    }

    @Test
    void aPersisterThatMigratesAtStartUpGetsNoJob() {
        Manifests m = new Manifests(new ArrayList<>(Yaml.copy(Yaml.documents(template(t -> t.set("services.persister.migrate", true))))));
        assertThat(m.ofKind("Job")).isEmpty();
        assertThat(m.find("ServiceAccount", "persister-migration")).isEmpty();
        assertThat(m.find("NetworkPolicy", "persister-migration")).isEmpty();
        Workload persister = m.workloads().stream().filter(w -> w.id().equals("Deployment/persister")).findFirst().orElseThrow();
        assertThat(m.environment(persister.containers().getFirst())).containsEntry("DATAPIPE_DB_MIGRATE", "true");
        assertThat(SchemaMigrationPolicies.job(m)).isEmpty();
    }

    private static String annotation(JsonNode object, String name) {
        return object.path("metadata").path("annotations").path(name).asText();
    }

    @Test
    void refusesTheLatestTag() {
        assertThatThrownBy(() -> new Helm(Repo.CHART).template().withKubeVersion(KUBE_VERSION).set("services.web.image.tag", "latest").call())
                .hasMessageContaining("image tag 'latest' is not allowed");
    }

    @Test
    void refusesDevCredentialsAndExternalSecretsTogether() {
        assertThatThrownBy(() -> new Helm(Repo.CHART).template().withKubeVersion(KUBE_VERSION).withValuesFile(Repo.CHART.resolve("values-dev.yaml"))
                .set("secrets.externalSecrets.enabled", true).call())
                .hasMessageContaining("exclude each other");
    }

    @Test
    void refusesADatabaseUrlTheExporterCannotFollow() {
        // postgres-exporter's DATA_SOURCE_URI is postgres.url after jdbc:postgresql://.
        assertThatThrownBy(() -> new Helm(Repo.CHART).template().withKubeVersion(KUBE_VERSION).set("postgres.url", "postgresql://db:5432/datapipe").call())
                .hasMessageContaining("postgres.url must be jdbc:postgresql://");
    }

    @Test
    void aBrokenValueIsCaughtByThePolicies() {
        String text = template(t -> t.withNamespace("datapipe-prd").withValuesFile(Repo.CHART.resolve("values-prd.yaml"))
                .withValuesFile(Repo.overlay("prd").resolve("platform.yaml"))
                .set("securityContext.readOnlyRootFilesystem", false).set("services.persister.terminationGracePeriodSeconds", 10)
                .set("services.web.rateLimit.user.capacity", 200).set("gateway.upstreamIdleTimeout", "2m").set("gateway.client.tlsMinVersion", "1.0"));
        Map<String, List<String>> violations = Policies.check(new Manifests(Yaml.documents(text)));
        assertThat(violations).containsKeys("securityContext", "gracefulShutdown", "edgeRateLimits", "edgeUpstream", "edgeClient");
    }

    private static List<String> ids(Manifests m) {
        return m.objects.stream().map(o -> Manifests.id(o).replaceFirst("^(ConfigMap/.+)-[a-z0-9]{10}$", "$1")).toList();
    }

    private static Map<String, String> mounts(JsonNode container) {
        Map<String, String> mounts = new HashMap<>();
        container.path("volumeMounts").forEach(v -> mounts.put(v.path("mountPath").asText(), v.path("name").asText()));
        return mounts;
    }
}
