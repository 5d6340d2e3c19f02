package io.datapipe.monitoring;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Writes the files of {@code make up OBSERVE=1} (scripts/observe.sh starts the programs): a Prometheus
 * that scrapes the local services and postgres_exporter with the labels the ServiceMonitors give
 * (namespace {@value #NAMESPACE}), evaluates the PrometheusRule as it is and alerts an Alertmanager
 * routed by dev's AlertmanagerConfig, whose receivers notify nobody here (its UI shows what they would).
 *
 * <pre>java -jar datapipe-monitoring-local.jar DIR PROMETHEUS_PORT ALERTMANAGER_PORT service=host:port...</pre>
 * writes DIR/prometheus/{prometheus.yml,rules.yml} and DIR/alertmanager/alertmanager.yml.
 */
public final class ObserveLocally {

    static final String NAMESPACE = "datapipe-local";

    private ObserveLocally() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: ObserveLocally DIR PROMETHEUS_PORT ALERTMANAGER_PORT service=host:port...");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int alertmanagerPort = Integer.parseInt(args[2]);
        Path repo = MonitoringTools.repository();
        List<LocalPrometheus.Target> targets = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String service = args[i].substring(0, args[i].indexOf('='));
            targets.add(new LocalPrometheus.Target(service, args[i].substring(service.length() + 1),
                                                   Map.of("namespace", NAMESPACE, "service", service, "pod", service + "-local")));
        }
        JsonNode rule = LocalPrometheus.YAML.readTree(repo.resolve("k8s/base/monitoring/prometheusrule.yaml").toFile());
        Path prometheus = Files.createDirectories(dir.resolve("prometheus"));
        LocalPrometheus.writeConfig(prometheus, new LocalPrometheus.Settings(
                targets, PrometheusRules.groups(rule), Duration.ofSeconds(15),
                Optional.of(java.net.URI.create("http://127.0.0.1:" + alertmanagerPort))));
        JsonNode routing = LocalPrometheus.YAML.readTree(repo.resolve("k8s/components/alerting-chat/alertmanagerconfig.yaml").toFile());
        // The routes as they are; the receivers without their integrations: nothing leaves this machine.
        ObjectNode config = AlertmanagerConfigs.render(routing, NAMESPACE, (secret, key) -> "");
        ArrayNode receivers = config.path("receivers").deepCopy();
        ArrayNode named = config.putArray("receivers");
        receivers.forEach(r -> named.addObject().put("name", r.path("name").asText()));
        LocalAlertmanager.writeConfig(Files.createDirectories(dir.resolve("alertmanager")), config);
    }
}
