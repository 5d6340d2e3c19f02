package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.k8s.Manifests.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stg and prd reach the broker over AMQPS only (Amazon MQ: 5671, a certificate from a public CA the JRE
 * trusts): every process that connects to RabbitMQ is configured with TLS on, the AMQPS port, the platform's
 * broker host and host-name verification left on, so no configuration of theirs starts a plain-text or an
 * unverified connection. Checked on the rendered overlays and on the chart with each environment's values;
 * a copy with TLS switched off is shown to fail. (e2e/RabbitMqTlsIT proves the services verify what this
 * configures.)
 */
class BrokerTlsTest {

    /** What keeps one environment's broker connections from being verified AMQPS. */
    static List<String> violations(Manifests m, String brokerHost) {
        List<String> out = new ArrayList<>();
        int connecting = 0;
        for (Workload w : m.workloads()) {
            for (ObjectNode container : w.containers()) {
                Map<String, String> vars = m.environment(container);
                if (vars.keySet().stream().noneMatch(k -> k.startsWith("DATAPIPE_RABBITMQ_") || k.startsWith("MP_MESSAGING_CONNECTOR_DATAPIPE_RABBITMQ_"))) {
                    continue;
                }
                connecting++;
                String id = w.id() + "/" + container.path("name").asText();
                if (!"true".equals(vars.get("DATAPIPE_RABBITMQ_TLS"))) {
                    out.add(id + ": DATAPIPE_RABBITMQ_TLS is " + vars.get("DATAPIPE_RABBITMQ_TLS") + ", not true");
                }
                if (!"5671".equals(vars.get("DATAPIPE_RABBITMQ_PORT"))) {
                    out.add(id + ": DATAPIPE_RABBITMQ_PORT is " + vars.get("DATAPIPE_RABBITMQ_PORT") + ", not AMQPS's 5671");
                }
                if (!brokerHost.equals(vars.get("DATAPIPE_RABBITMQ_HOST"))) {
                    out.add(id + ": DATAPIPE_RABBITMQ_HOST is " + vars.get("DATAPIPE_RABBITMQ_HOST") + ", not the platform's broker " + brokerHost);
                }
                vars.forEach((key, value) -> {
                    if (key.endsWith("TLS_HOSTNAME_VERIFICATION") && !"true".equals(value)) {
                        out.add(id + ": " + key + "=" + value + " turns host-name verification off");
                    }
                    if (key.endsWith("TLS_TRUST_STORE")) {
                        out.add(id + ": " + key + " replaces the JRE's public CAs, which Amazon MQ's certificate chains to");
                    }
                });
            }
        }
        if (connecting < 2) {
            out.add("expected the generator and the persister to connect to the broker, found " + connecting + " containers");
        }
        return out;
    }

    static String brokerHost(String env) {
        return Yaml.document(Repo.overlay(env).resolve("platform.yaml")).at("/platform/brokerHost").asText();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void theOverlayConnectsOnlyOverVerifiedAmqps(String env) {
        assertThat(violations(new Manifests(Kustomize.render(Repo.overlay(env))), brokerHost(env))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void theChartConnectsOnlyOverVerifiedAmqps(String env) {
        assertThat(violations(HelmChartTest.render(env), brokerHost(env))).isEmpty();
    }

    @Test
    void plainAmqpOrAnUnverifiedHostIsCaught() {
        List<ObjectNode> objects = Kustomize.render(Repo.overlay("prd"));
        Manifests m = new Manifests(objects);
        ObjectNode broker = (ObjectNode) m.ofKind("ConfigMap").filter(c -> Manifests.name(c).startsWith("datapipe-rabbitmq")).findFirst().orElseThrow().path("data");
        broker.put("DATAPIPE_RABBITMQ_TLS", "false");
        broker.put("DATAPIPE_RABBITMQ_PORT", "5672");
        broker.put("MP_MESSAGING_CONNECTOR_DATAPIPE_RABBITMQ_TLS_HOSTNAME_VERIFICATION", "false");
        assertThat(violations(m, brokerHost("prd")))
                .anySatisfy(v -> assertThat(v).contains("DATAPIPE_RABBITMQ_TLS is false"))
                .anySatisfy(v -> assertThat(v).contains("not AMQPS's 5671"))
                .anySatisfy(v -> assertThat(v).contains("turns host-name verification off"));
        assertThat(violations(m, "b-other.mq.eu-west-1.on.aws")).anySatisfy(v -> assertThat(v).contains("not the platform's broker"));
    }
}
