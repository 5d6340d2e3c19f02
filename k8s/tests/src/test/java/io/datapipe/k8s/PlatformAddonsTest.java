package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * argocd/platform: the cluster add-ons as Argo CD Applications and the datapipe
 * ApplicationSet narrowed to one environment, rendered with that environment's platform
 * values (k8s/overlays/env/platform.yaml) as Argo CD renders it for Terraform's root
 * Application.
 */
class PlatformAddonsTest {

    static final Path CHART = Repo.ROOT.resolve("argocd/platform");

    static List<ObjectNode> render(String env) {
        String text = new Helm(CHART).template().withName("platform").withNamespace("argocd")
                .withValuesFile(Repo.overlay(env).resolve("platform.yaml")).call();
        return Yaml.documents(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void lintsAndEveryObjectMatchesItsSchema(String env) {
        LintResult lint = new Helm(CHART).lint().strict().call();
        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
        assertThat(SchemaValidator.errors(render(env))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void installsWhatTheManifestsNeedAndSyncsOnlyThisEnvironment(String env) {
        List<ObjectNode> objects = render(env);
        List<String> apps = objects.stream().filter(o -> o.path("kind").asText().equals("Application")).map(Manifests::name).toList();
        assertThat(apps).contains("argo-rollouts", "envoy-gateway", "external-secrets", "kube-prometheus-stack", "cert-manager",
                "aws-load-balancer-controller", "fluent-bit", "rabbitmq-messaging-topology-operator", "datapipe");
        // The in-cluster broker's operator only where the overlay runs a RabbitmqCluster.
        boolean inClusterBroker = Kustomize.render(Repo.overlay(env)).stream().anyMatch(o -> o.path("kind").asText().equals("RabbitmqCluster"));
        assertThat(apps.contains("rabbitmq-cluster-operator")).as(env).isEqualTo(inClusterBroker);
        ObjectNode datapipe = objects.stream().filter(o -> Manifests.name(o).equals("datapipe")).findFirst().orElseThrow();
        assertThat(datapipe.at("/spec/source/path").asText()).isEqualTo("argocd");
        assertThat(datapipe.at("/spec/source/kustomize/patches/0/patch").asText()).contains("env: " + env);
        // The add-ons come first: every one has a sync wave below datapipe's.
        int datapipeWave = Manifests.syncWave(datapipe);
        objects.stream().filter(o -> o.path("kind").asText().equals("Application") && o != datapipe)
                .forEach(a -> assertThat(Manifests.syncWave(a)).as(Manifests.name(a)).isLessThan(datapipeWave));
    }
}
