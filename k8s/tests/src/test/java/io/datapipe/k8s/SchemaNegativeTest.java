package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The schema validation can fail: broken objects of each family are rejected, and unknown kinds are never waved through. */
class SchemaNegativeTest {

    private static List<String> errorsAfter(String env, String kind, String name, Consumer<ObjectNode> breakIt) {
        List<ObjectNode> objects = Kustomize.render(Repo.overlay(env));
        ObjectNode target = objects.stream()
                .filter(o -> kind.equals(o.path("kind").asText()) && name.equals(Manifests.name(o)))
                .findFirst().orElseThrow();
        breakIt.accept(target);
        return SchemaValidator.errors(List.of(target));
    }

    @Test
    void kubernetesDeploymentWithAStringPort() {
        assertThat(errorsAfter("dev", "Deployment", "web",
                d -> ((ObjectNode) d.at("/spec/template/spec/containers/0/ports/0")).put("containerPort", "eighty")))
                .anySatisfy(e -> assertThat(e).startsWith("Deployment/web:").contains("containerPort"));
    }

    @Test
    void gatewayApiRouteWithAnUnknownMethod() {
        assertThat(errorsAfter("prd", "HTTPRoute", "datapipe",
                r -> ((ObjectNode) r.at("/spec/rules/0/matches/0")).put("method", "FETCH")))
                .anySatisfy(e -> assertThat(e).startsWith("HTTPRoute/datapipe:").contains("method"));
    }

    @Test
    void argoRolloutsWithAWeightThatIsNotANumber() {
        assertThat(errorsAfter("prd", "Rollout", "generator",
                r -> ((ObjectNode) r.at("/spec/strategy/canary/steps/0")).put("setWeight", "twenty")))
                .anySatisfy(e -> assertThat(e).startsWith("Rollout/generator:").contains("setWeight"));
    }

    @Test
    void prometheusOperatorServiceMonitorWithoutEndpointsList() {
        assertThat(errorsAfter("stg", "ServiceMonitor", "web",
                s -> ((ObjectNode) s.path("spec")).put("endpoints", "http")))
                .anySatisfy(e -> assertThat(e).startsWith("ServiceMonitor/web:").contains("endpoints"));
    }

    @Test
    void externalSecretsWithoutASecretStore() {
        assertThat(errorsAfter("prd", "ExternalSecret", "datapipe-db-web",
                s -> ((ObjectNode) s.at("/spec/secretStoreRef")).put("kind", "VaultStore")))
                .anySatisfy(e -> assertThat(e).startsWith("ExternalSecret/datapipe-db-web:").contains("kind"));
    }

    @Test
    void rabbitmqQueueWithAMisspelledField() {
        assertThat(errorsAfter("prd", "Queue", "datapipe-persister",
                q -> ((ObjectNode) q.path("spec")).put("durible", true)))
                .anySatisfy(e -> assertThat(e).startsWith("Queue/datapipe-persister:").contains("durible"));
    }

    @Test
    void rabbitmqQuorumQueueThatIsNotDurable() {
        assertThat(errorsAfter("dev", "Queue", "datapipe-persister-dlq",
                q -> ((ObjectNode) q.path("spec")).put("durable", false)))
                .anySatisfy(e -> assertThat(e).startsWith("Queue/datapipe-persister-dlq:").contains("durable"));
    }

    @Test
    void rabbitmqReferenceToBothAClusterAndASecret() {
        assertThat(errorsAfter("dev", "Binding", "datapipe-records-to-persister",
                b -> ((ObjectNode) b.at("/spec/rabbitmqClusterReference")).putObject("connectionSecret").put("name", "x")))
                .anySatisfy(e -> assertThat(e).startsWith("Binding/datapipe-records-to-persister:"));
    }

    @Test
    void rabbitmqClusterWithAFieldOfAnotherKind() {
        assertThat(errorsAfter("dev", "RabbitmqCluster", "datapipe-rabbitmq",
                r -> ((ObjectNode) r.path("spec")).putObject("rabbitmqClusterReference").put("name", "x")))
                .anySatisfy(e -> assertThat(e).contains("rabbitmqClusterReference"));
    }

    /** Envoy Gateway's policies (vendored schemas), in one run of the validator: each broken copy is named after its breakage. */
    @Test
    void envoyGatewayPoliciesAsTheirCrdsRefuseThem() {
        List<ObjectNode> broken = List.of(
                broken("prd", "BackendTrafficPolicy", "distinct-with-a-value",
                        p -> ((ObjectNode) p.at("/spec/rateLimit/local/rules/0/clientSelectors/0/headers/0")).put("value", "Bearer x")),
                broken("dev", "BackendTrafficPolicy", "unit-that-does-not-exist",
                        p -> ((ObjectNode) p.at("/spec/rateLimit/local/rules/3/limit")).put("unit", "Millisecond")),
                broken("stg", "BackendTrafficPolicy", "selector-that-selects-nothing",
                        p -> ((ArrayNode) p.at("/spec/rateLimit/local/rules/1/clientSelectors")).set(0, Yaml.JSON.createObjectNode())),
                broken("dev", "BackendTrafficPolicy", "consistent-hash-without-its-input",
                        p -> ((ObjectNode) p.at("/spec/loadBalancer/consistentHash")).remove("headers")),
                broken("prd", "BackendTrafficPolicy", "hash-settings-for-another-balancer",
                        p -> ((ObjectNode) p.at("/spec/loadBalancer")).put("type", "LeastRequest")),
                broken("stg", "ClientTrafficPolicy", "on-a-route",
                        p -> ((ObjectNode) p.at("/spec/targetRefs/0")).put("kind", "HTTPRoute")),
                // headers.maxRequestHeaderLimit came after Envoy Gateway v1.9: an API server of v1.9 refuses it too.
                broken("prd", "ClientTrafficPolicy", "field-of-a-later-version",
                        p -> ((ObjectNode) p.path("spec")).putObject("headers").put("maxRequestHeaderLimit", "16Ki")));
        List<String> errors = SchemaValidator.errors(broken);
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("BackendTrafficPolicy/distinct-with-a-value: /spec/rateLimit/local/rules/0/clientSelectors/0/headers/0"));
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("BackendTrafficPolicy/unit-that-does-not-exist: /spec/rateLimit/local/rules/3/limit/unit"));
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("BackendTrafficPolicy/selector-that-selects-nothing: /spec/rateLimit/local/rules/1/clientSelectors/0"));
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("BackendTrafficPolicy/consistent-hash-without-its-input: /spec/loadBalancer/consistentHash"));
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("BackendTrafficPolicy/hash-settings-for-another-balancer: /spec/loadBalancer"));
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("ClientTrafficPolicy/on-a-route: /spec/targetRefs/0/kind"));
        assertThat(errors).contains("ClientTrafficPolicy/field-of-a-later-version: /spec must NOT have additional properties: headers");
    }

    private static ObjectNode broken(String env, String kind, String name, Consumer<ObjectNode> breakIt) {
        ObjectNode target = Kustomize.render(Repo.overlay(env)).stream()
                .filter(o -> kind.equals(o.path("kind").asText()) && "datapipe".equals(Manifests.name(o)))
                .findFirst().orElseThrow().deepCopy();
        breakIt.accept(target);
        ((ObjectNode) target.path("metadata")).put("name", name);
        return target;
    }

    @Test
    void aMisspelledFieldThatTheOpenApiSchemaAllowsIsCaughtByTheStrictCheck() {
        assertThat(errorsAfter("prd", "Deployment", "web",
                d -> ((ObjectNode) d.at("/spec/template/spec/containers/0")).set("readinesProbe", d.at("/spec/template/spec/containers/0/readinessProbe"))))
                .containsExactly("Deployment/web: strict: Object literal may only specify known properties, and 'readinesProbe' does not exist in type 'IContainer'.");
    }

    @Test
    void aFieldAtTheWrongLevelOfACustomResourceIsCaughtByTheStrictCheck() {
        assertThat(errorsAfter("stg", "Rollout", "generator",
                r -> ((ObjectNode) r.path("spec")).set("steps", r.at("/spec/strategy/canary/steps"))))
                .anySatisfy(e -> assertThat(e).startsWith("Rollout/generator: strict:").contains("'steps' does not exist in type"));
    }

    @Test
    void anUnknownKindIsAnErrorNotAPass() {
        assertThat(errorsAfter("dev", "Service", "web", s -> s.put("apiVersion", "example.com/v1").put("kind", "Widget")))
                .containsExactly("Widget/web: no schema known for example.com/v1/Widget");
    }
}
