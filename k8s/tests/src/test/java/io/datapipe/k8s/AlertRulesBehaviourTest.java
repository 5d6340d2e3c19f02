package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alerts fire when they should, with the labels that route them: promtool (Prometheus' own
 * rule evaluator) runs the cases of alert-rules-test.yaml against the PrometheusRule's groups.
 * Needs promtool (Debian package `prometheus`, or PROMTOOL=/path/to/promtool); without it the
 * test is skipped, and the structure checks of AlertRulesTest still run.
 */
class AlertRulesBehaviourTest {

    static Optional<Path> promtool() {
        String configured = System.getenv("PROMTOOL");
        if (configured != null && !configured.isBlank()) {
            return Optional.of(Path.of(configured));
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst();
    }

    @Test
    void theAlertsFireAsTheUnitTestsExpect(@TempDir Path dir) throws IOException {
        Optional<Path> promtool = promtool();
        Assumptions.assumeTrue(promtool.isPresent(), "promtool not installed (apt-get install prometheus, or set PROMTOOL)");
        ObjectNode rule = Yaml.document(Repo.K8S.resolve("base/monitoring/prometheusrule.yaml"));
        ObjectNode groups = Yaml.MAPPER.createObjectNode();
        groups.set("groups", rule.path("spec").path("groups"));
        Files.writeString(dir.resolve("rules.yaml"), Yaml.write(List.of(groups)));
        Files.copy(Repo.TESTS.resolve("alert-rules-test.yaml"), dir.resolve("alert-rules-test.yaml"));
        Commands.Result check = Commands.run(dir, null, List.of(promtool.get().toString(), "check", "rules", "rules.yaml"));
        assertThat(check.exitCode()).as(check.stdout() + check.stderr()).isZero();
        Commands.Result result = Commands.run(dir, null, List.of(promtool.get().toString(), "test", "rules", "alert-rules-test.yaml"));
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
    }
}
