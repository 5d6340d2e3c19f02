package io.datapipe.monitoring;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The launchers start the real programs, which scrape, evaluate, alert and route. */
class LocalPrometheusTest {

    @Test
    void prometheusScrapesEvaluatesAndAlertmanagerReceivesTheAlert() throws Exception {
        JsonNode amConfig = LocalPrometheus.YAML.readTree("""
                route: {receiver: "null", group_wait: 100ms}
                receivers: [{name: "null"}]
                """);
        ArrayNode groups = (ArrayNode) LocalPrometheus.YAML.readTree("""
                - name: test
                  rules:
                    - record: test:up:sum
                      expr: sum(up)
                    - alert: AlwaysFiring
                      expr: vector(1)
                      for: 2m
                      labels: {severity: info}
                """);
        try (LocalAlertmanager alertmanager = LocalAlertmanager.start(amConfig)) {
            try (LocalPrometheus prometheus = LocalPrometheus.start(new LocalPrometheus.Settings(List.of(), null, Duration.ofSeconds(1), Optional.empty()))) {
                assertThat(prometheus.query("vector(2)").get(0).path("value").get(1).asText()).isEqualTo("2");
                assertThatThrownBy(() -> prometheus.query("sum(")).hasMessageContaining("bad_data");
            }
            var settings = new LocalPrometheus.Settings(List.of(new LocalPrometheus.Target("nothing", "127.0.0.1:1", Map.of("service", "nothing"))),
                                                        scaled(groups), Duration.ofSeconds(1), Optional.of(alertmanager.url()));
            try (LocalPrometheus prometheus = LocalPrometheus.start(settings)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> prometheus.query("test:up:sum").size() == 1);
                assertThat(prometheus.query("up{service=\"nothing\"}").get(0).path("value").get(1).asText()).isEqualTo("0");
                await().atMost(Duration.ofSeconds(30)).alias("AlwaysFiring reaches Alertmanager")
                        .failFast(() -> prometheus.log().contains("level=error"))
                        .until(() -> alertmanager.groups().toString().contains("AlwaysFiring"));
            }
        }
    }

    private static ArrayNode scaled(ArrayNode groups) {
        var rule = LocalPrometheus.YAML.createObjectNode();
        rule.putObject("spec").set("groups", groups);
        ArrayNode out = PrometheusRules.withForScaled(rule, 60);
        assertThat(out.at("/0/rules/1/for").asText()).isEqualTo("2000ms");
        return out;
    }

    @Test
    void durationsReadAsPrometheusWritesThem() {
        assertThat(Durations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.scale("15m", 60)).isEqualTo("15000ms");
        assertThatThrownBy(() -> Durations.parse("15 minutes")).isInstanceOf(IllegalArgumentException.class);
    }
}
