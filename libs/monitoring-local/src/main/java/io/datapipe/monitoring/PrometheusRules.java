package io.datapipe.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The rule groups of a {@code PrometheusRule}, as Prometheus reads them from a rule file. */
public final class PrometheusRules {

    private PrometheusRules() {
    }

    /** The object's {@code spec.groups}, unchanged. */
    public static ArrayNode groups(JsonNode prometheusRule) {
        return (ArrayNode) prometheusRule.at("/spec/groups").deepCopy();
    }

    /**
     * The same groups with every alert's {@code for:} divided by {@code factor}: the rules of production,
     * on a test's clock. Expressions and thresholds stay as they are.
     */
    public static ArrayNode withForScaled(JsonNode prometheusRule, double factor) {
        ArrayNode groups = groups(prometheusRule);
        for (JsonNode group : groups) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("for")) {
                    ((ObjectNode) rule).put("for", Durations.scale(rule.path("for").asText(), factor));
                }
            }
        }
        return groups;
    }
}
