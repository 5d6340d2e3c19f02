package io.datapipe.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading the operator's objects; applying them to a broker is proved by e2e/LeastPrivilegeIT. */
class TopologyDefinitionTest {

    static final Path BASE = Path.of("../../k8s/base/rabbitmq");

    @Test
    void readsTheKustomizationInTheOrderTheOperatorCreatesThem() {
        TopologyDefinition definition = TopologyDefinition.read(BASE);
        assertThat(definition.objects()).extracting(o -> o.path("kind").asText())
                .isSortedAccordingTo(java.util.Comparator.comparingInt(TopologyDefinition.KINDS::indexOf))
                .contains("Vhost", "User", "Exchange", "Queue", "Binding", "Permission");
        assertThat(definition.find("Queue", "datapipe-persister").orElseThrow().at("/spec/name").asText()).isEqualTo("datapipe.persister");
    }

    @Test
    void refusesWhatIsNotATopologyObject() {
        assertThatThrownBy(() -> TopologyDefinition.parse("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "test.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("test.yaml: v1 ConfigMap x is not a topology object");
        assertThatThrownBy(() -> TopologyDefinition.parse("apiVersion: rabbitmq.com/v1beta1\nkind: Federation\nmetadata: {name: f}\n", "test.yaml"))
                .hasMessageContaining("Federation f is not a topology object");
    }

    @Test
    void aUserWhoseSecretIsNotGivenIsAClearErrorBeforeAnythingIsSent() {
        TopologyDefinition users = new TopologyDefinition(TopologyDefinition.read(BASE).ofKind("User"));
        TopologyApplier applier = new TopologyApplier(URI.create("http://127.0.0.1:9"), "admin", "admin");
        assertThatThrownBy(() -> applier.apply(users, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("imports its credentials from Secret datapipe-rabbitmq-generator, which was not given");
    }
}
