package io.datapipe.monitoring;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An {@code AlertmanagerConfig} (monitoring.coreos.com/v1alpha1) turned into Alertmanager's own
 * configuration, the way the Prometheus Operator merges it into the Alertmanager it runs
 * (alertmanagerConfigMatcherStrategy OnNamespace, its default): the object's route becomes a child of a
 * root route whose receiver is {@code "null"}, matching {@code namespace="<its namespace>"} and always
 * continuing; every inhibition rule's source and target matchers gain that same namespace matcher; every
 * receiver is renamed {@code <namespace>/<name>/<receiver>}; keys are snake_case, and a
 * Secret reference ({@code name}, {@code key}) is replaced by the Secret's value, which the caller
 * supplies. Then {@code amtool} and Alertmanager itself read what the cluster's Alertmanager would read.
 */
public final class AlertmanagerConfigs {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> TIMINGS = Set.of("group_wait", "group_interval", "repeat_interval");

    private AlertmanagerConfigs() {
    }

    /**
     * @param alertmanagerConfig the object, as Kustomize renders it (metadata.namespace may be absent)
     * @param namespace          the namespace it lives in
     * @param secrets            the value of a Secret's key: (secret name, key) to value
     */
    public static ObjectNode render(JsonNode alertmanagerConfig, String namespace, BiFunction<String, String, String> secrets) {
        String prefix = namespace + "/" + alertmanagerConfig.at("/metadata/name").asText() + "/";
        ObjectNode config = NODES.objectNode();
        ObjectNode root = config.putObject("route").put("receiver", "null");
        ObjectNode route = route(alertmanagerConfig.at("/spec/route"), prefix);
        ArrayNode matchers = NODES.arrayNode().add("namespace=\"" + namespace + "\"");
        route.withArray("matchers").forEach(matchers::add);
        route.set("matchers", matchers);
        route.put("continue", true);
        root.putArray("routes").add(route);
        ArrayNode inhibitions = NODES.arrayNode();
        for (JsonNode rule : alertmanagerConfig.at("/spec/inhibitRules")) {
            ObjectNode out = inhibitions.addObject();
            for (String side : new String[] {"source", "target"}) {
                ArrayNode sideMatchers = out.putArray(side + "_matchers").add("namespace=\"" + namespace + "\"");
                rule.path(side + "Match").forEach(m -> sideMatchers.add(matcher(m)));
            }
            if (rule.has("equal")) {
                out.set("equal", rule.path("equal").deepCopy());
            }
        }
        if (!inhibitions.isEmpty()) {
            config.set("inhibit_rules", inhibitions);
        }
        ArrayNode receivers = config.putArray("receivers");
        receivers.addObject().put("name", "null");
        for (JsonNode receiver : alertmanagerConfig.at("/spec/receivers")) {
            ObjectNode out = receivers.addObject().put("name", prefix + receiver.path("name").asText());
            receiver.fields().forEachRemaining(field -> {
                if (!field.getKey().equals("name")) {
                    ArrayNode integrations = out.putArray(snake(field.getKey()));
                    field.getValue().forEach(integration -> integrations.add(integration(integration, secrets)));
                }
            });
        }
        return config;
    }

    /** The Secrets the receivers read, as (name, key) pairs in the order they appear. */
    public static java.util.List<Map.Entry<String, String>> secretRefs(JsonNode alertmanagerConfig) {
        java.util.List<Map.Entry<String, String>> refs = new java.util.ArrayList<>();
        render(alertmanagerConfig, "any", (name, key) -> {
            refs.add(Map.entry(name, key));
            return "";
        });
        return refs;
    }

    /** The configuration with every route's group_wait, group_interval and repeat_interval divided by {@code factor}. */
    public static ObjectNode scaleTimings(ObjectNode config, double factor) {
        ObjectNode copy = config.deepCopy();
        scale(copy.path("route"), factor);
        return copy;
    }

    /**
     * The configuration with each receiver's integrations replaced by one webhook to
     * {@code <baseUrl>/<receiver name>}: the routing stays as it is, and what each receiver would be sent
     * arrives, with every label, at an HTTP server of the caller's.
     */
    public static ObjectNode deliverTo(ObjectNode config, String baseUrl) {
        ObjectNode copy = config.deepCopy();
        ArrayNode receivers = copy.putArray("receivers");
        for (JsonNode receiver : config.path("receivers")) {
            String name = receiver.path("name").asText();
            ObjectNode out = receivers.addObject().put("name", name);
            if (!name.equals("null")) {
                out.putArray("webhook_configs").addObject().put("url", baseUrl + "/" + name).put("send_resolved", true);
            }
        }
        return copy;
    }

    private static ObjectNode route(JsonNode route, String prefix) {
        ObjectNode out = NODES.objectNode();
        route.fields().forEachRemaining(field -> {
            String key = field.getKey();
            JsonNode value = field.getValue();
            switch (key) {
                case "receiver" -> out.put("receiver", prefix + value.asText());
                case "matchers" -> {
                    ArrayNode matchers = out.putArray("matchers");
                    value.forEach(m -> matchers.add(matcher(m)));
                }
                case "routes" -> {
                    ArrayNode routes = out.putArray("routes");
                    value.forEach(child -> routes.add(route(child, prefix)));
                }
                default -> out.set(snake(key), value.deepCopy());
            }
        });
        return out;
    }

    /** A matcher of the AlertmanagerConfig ({@code name}, {@code matchType}, {@code value}) as Alertmanager writes it. */
    private static String matcher(JsonNode m) {
        return m.path("name").asText() + m.path("matchType").asText("=") + quote(m.path("value").asText());
    }

    private static ObjectNode integration(JsonNode integration, BiFunction<String, String, String> secrets) {
        ObjectNode out = NODES.objectNode();
        integration.fields().forEachRemaining(field -> {
            String key = field.getKey();
            JsonNode value = field.getValue();
            if (key.equals("details") && value.isArray()) {
                ObjectNode details = out.putObject("details");
                value.forEach(d -> details.put(d.path("key").asText(), d.path("value").asText()));
            } else if (value.isObject() && value.has("name") && value.has("key") && value.size() == 2) {
                String secret = secrets.apply(value.path("name").asText(), value.path("key").asText());
                out.put(snake(key.replaceFirst("Secret$", "")), secret);
            } else {
                out.set(snake(key), value.deepCopy());
            }
        });
        return out;
    }

    private static void scale(JsonNode route, double factor) {
        if (!(route instanceof ObjectNode node)) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (TIMINGS.contains(field.getKey())) {
                field.setValue(NODES.textNode(Durations.scale(field.getValue().asText(), factor)));
            }
        }
        node.path("routes").forEach(child -> scale(child, factor));
    }

    /** camelCase (and apiURL) to snake_case, as Alertmanager spells its keys. */
    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
