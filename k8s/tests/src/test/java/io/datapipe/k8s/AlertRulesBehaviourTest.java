package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.datapipe.monitoring.MonitoringTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts fire when they should, with the labels that route them: promtool (Prometheus' own
 * rule evaluator) runs the cases of alert-rules-test.yaml against the PrometheusRule's groups.
 * promtool comes from Debian's `prometheus` (scripts/monitoring-tools.sh installs it when missing;
 * when it cannot, this test fails saying why).
 */
class AlertRulesBehaviourTest {

    @Test
    void theAlertsFireAsTheUnitTestsExpect(@TempDir Path dir) throws IOException {
        String promtool = MonitoringTools.tool("promtool").toString();
        ObjectNode rule = Yaml.document(Repo.K8S.resolve("base/monitoring/prometheusrule.yaml"));
        ObjectNode groups = Yaml.MAPPER.createObjectNode();
        groups.set("groups", rule.path("spec").path("groups"));
        Files.writeString(dir.resolve("rules.yaml"), Yaml.write(List.of(groups)));
        Files.copy(Repo.TESTS.resolve("alert-rules-test.yaml"), dir.resolve("alert-rules-test.yaml"));
        Commands.Result check = Commands.run(dir, null, List.of(promtool, "check", "rules", "rules.yaml"));
        assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
        Commands.Result result = Commands.run(dir, null, List.of(promtool, "test", "rules", "alert-rules-test.yaml"));
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
    }
}
