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
    void theBundledCopyIsTheKustomization() {
        assertThat(TopologyDefinition.bundled()).isEqualTo(TopologyDefinition.read(BASE));
    }

    @Test
    void aPrivateCopyRenamesEveryNameAndReferenceAndKeepsTheArguments() {
        TopologyDefinition copy = TopologyDefinition.read(BASE).privateCopy("test.abc", java.util.List.of(200L, 400L));

        assertThat(copy.ofKind("Queue")).extracting(q -> q.at("/spec/name").asText())
                .containsExactlyInAnyOrder("test.abc.persister", "test.abc.persister.dlq",
                        "test.abc.persister.retry.200ms", "test.abc.persister.retry.400ms");
        assertThat(copy.ofKind("Exchange")).extracting(e -> e.at("/spec/name").asText())
                .containsExactlyInAnyOrder("test.abc.records", "test.abc.records.dlx", "test.abc.persister.retry");
        var work = copy.find("Queue", "datapipe-persister").orElseThrow().at("/spec");
        assertThat(work.at("/arguments/x-dead-letter-exchange").asText()).isEqualTo("test.abc.records.dlx");
        assertThat(work.at("/arguments/x-delivery-limit").asInt()).isEqualTo(10);
        assertThat(work.at("/type").asText()).isEqualTo("quorum");
        var retry = copy.ofKind("Queue").stream().filter(q -> q.at("/spec/name").asText().endsWith(".retry.400ms")).findFirst().orElseThrow();
        assertThat(retry.at("/spec/arguments/x-message-ttl").asLong()).isEqualTo(400);
        assertThat(retry.at("/spec/arguments/x-dead-letter-exchange").asText()).isEmpty();
        assertThat(retry.at("/spec/arguments/x-dead-letter-routing-key").asText()).isEqualTo("test.abc.persister");
        assertThat(copy.ofKind("Binding")).extracting(b -> b.at("/spec/source").asText() + " " + b.at("/spec/routingKey").asText()
                        + " " + b.at("/spec/destination").asText())
                .containsExactlyInAnyOrder("test.abc.records record.created test.abc.persister",
                        "test.abc.records.dlx # test.abc.persister.dlq",
                        "test.abc.persister.retry 200ms test.abc.persister.retry.200ms",
                        "test.abc.persister.retry 400ms test.abc.persister.retry.400ms");
        // Users and permissions are the management API's, and a private copy does not use them; they are left as they are.
        assertThat(copy.ofKind("Permission")).isEqualTo(TopologyDefinition.read(BASE).ofKind("Permission"));
    }

    @Test
    void theServicesDefaultsAreTheDefinitionsNamesAndRetryDelays() {
        TopologyDefinition copy = TopologyDefinition.read(BASE).privateCopy("test.abc", java.util.List.of(400L, 200L));
        assertThat(copy.retryDelays("test.abc.persister")).containsExactly(200L, 400L);
        assertThat(ServiceDefaults.derived(copy, "k8s/base/rabbitmq")).contains(
                "datapipe.exchange=test.abc.records\n", "datapipe.routing-key=record.created\n", "datapipe.queue=test.abc.persister\n",
                "datapipe.dead-letter-exchange=test.abc.records.dlx\n", "datapipe.dead-letter-queue=test.abc.persister.dlq\n",
                "datapipe.retry-delays-ms=200,400\n");
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
