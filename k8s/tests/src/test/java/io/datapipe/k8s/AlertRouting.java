package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What Alertmanager does with an alert under an AlertmanagerConfig (monitoring.coreos.com/v1alpha1),
 * enough to check the routing offline: the route tree with matchers (=, !=, =~, !~) and `continue`,
 * the receivers, and the Secrets they name.
 */
final class AlertRouting {

    /** Receiver configuration kinds that notify a person's phone, not a channel. */
    static final List<String> PAGER_CONFIGS = List.of("pagerdutyConfigs", "opsgenieConfigs", "victoropsConfigs", "pushoverConfigs");
    /** Receiver configuration kinds that post to a team's chat. */
    static final List<String> CHAT_CONFIGS = List.of("slackConfigs", "msteamsConfigs", "msteamsv2Configs", "webexConfigs",
            "discordConfigs", "telegramConfigs", "rocketchatConfigs");

    private AlertRouting() {
    }

    /**
     * The receivers an alert with these labels reaches. The operator puts the config's route under a
     * route that matches its namespace (matcher strategy OnNamespace), so the alert's namespace must be
     * the config's; then Alertmanager's rule: the first matching child, and the following ones while
     * `continue` is true; the route's own receiver when no child matches.
     */
    static Set<String> receivers(ObjectNode config, Map<String, String> labels) {
        String namespace = config.path("metadata").path("namespace").asText("");
        if (!namespace.isEmpty() && !namespace.equals(labels.get("namespace"))) {
            return Set.of();
        }
        return route(config.path("spec").path("route"), labels);
    }

    private static Set<String> route(JsonNode route, Map<String, String> labels) {
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode child : route.path("routes")) {
            if (matches(child, labels)) {
                out.addAll(route(child, labels));
                if (!child.path("continue").asBoolean(false)) {
                    break;
                }
            }
        }
        if (out.isEmpty() && route.hasNonNull("receiver")) {
            out.add(route.path("receiver").asText());
        }
        return out;
    }

    private static boolean matches(JsonNode route, Map<String, String> labels) {
        for (JsonNode m : route.path("matchers")) {
            String value = labels.getOrDefault(m.path("name").asText(), "");
            String wanted = m.path("value").asText("");
            String op = m.has("matchType") ? m.path("matchType").asText() : (m.path("regex").asBoolean(false) ? "=~" : "=");
            boolean ok = switch (op) {
                case "=" -> value.equals(wanted);
                case "!=" -> !value.equals(wanted);
                case "=~" -> Pattern.matches(wanted, value);
                case "!~" -> !Pattern.matches(wanted, value);
                default -> throw new IllegalArgumentException("unknown matchType " + op);
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static JsonNode receiver(ObjectNode config, String name) {
        for (JsonNode r : config.path("spec").path("receivers")) {
            if (name.equals(r.path("name").asText())) {
                return r;
            }
        }
        return null;
    }

    /** Does this receiver page someone? */
    static boolean pages(JsonNode receiver) {
        return receiver != null && PAGER_CONFIGS.stream().anyMatch(k -> receiver.path(k).size() > 0);
    }

    /** Does this receiver post to a chat channel? */
    static boolean chats(JsonNode receiver) {
        return receiver != null && CHAT_CONFIGS.stream().anyMatch(k -> receiver.path(k).size() > 0);
    }

    /** Every receiver name a route of the config uses. */
    static Set<String> routedReceivers(ObjectNode config) {
        Set<String> out = new LinkedHashSet<>();
        collect(config.path("spec").path("route"), out);
        return out;
    }

    private static void collect(JsonNode route, Set<String> out) {
        if (route.hasNonNull("receiver")) {
            out.add(route.path("receiver").asText());
        }
        route.path("routes").forEach(r -> collect(r, out));
    }

    /** The Secret key selectors (name, key) of the receivers: webhook URLs, routing keys, tokens. */
    static List<JsonNode> secretRefs(ObjectNode config) {
        List<JsonNode> refs = new ArrayList<>();
        for (JsonNode receiver : config.path("spec").path("receivers")) {
            collectSecretRefs(receiver, refs);
        }
        return refs;
    }

    private static void collectSecretRefs(JsonNode node, List<JsonNode> refs) {
        if (node.isObject()) {
            if (node.size() == 2 && node.has("name") && node.has("key") && node.path("name").isTextual()) {
                refs.add(node);
                return;
            }
            node.forEach(child -> collectSecretRefs(child, refs));
        } else if (node.isArray()) {
            node.forEach(child -> collectSecretRefs(child, refs));
        }
    }
}
