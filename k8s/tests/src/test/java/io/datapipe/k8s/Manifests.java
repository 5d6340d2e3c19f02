package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** A rendered set of Kubernetes objects, with the look-ups the policies need. */
final class Manifests {

    /** Something that makes pods: its pod template and where it sits. */
    record Workload(ObjectNode object, ObjectNode podTemplate) {

        String kind() {
            return object.path("kind").asText();
        }

        String name() {
            return object.path("metadata").path("name").asText();
        }

        String id() {
            return kind() + "/" + name();
        }

        ObjectNode podSpec() {
            return (ObjectNode) podTemplate.path("spec");
        }

        Map<String, String> podLabels() {
            return strings(podTemplate.path("metadata").path("labels"));
        }

        List<ObjectNode> containers() {
            List<ObjectNode> containers = new ArrayList<>();
            podSpec().path("initContainers").forEach(c -> containers.add((ObjectNode) c));
            podSpec().path("containers").forEach(c -> containers.add((ObjectNode) c));
            return containers;
        }

        /** A Job: its pods run to completion, so they have no probes and no disruption budget. */
        boolean runsToCompletion() {
            return "Job".equals(kind());
        }

        /** One of this project's services (component api or worker), as opposed to the collector or a broker. */
        boolean isService() {
            Map<String, String> labels = podLabels();
            return "datapipe".equals(labels.get("app.kubernetes.io/part-of"))
                    && List.of("api", "worker").contains(labels.getOrDefault("app.kubernetes.io/component", ""));
        }
    }

    private static final List<String> POD_TEMPLATE_KINDS = List.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job");

    final List<ObjectNode> objects;

    Manifests(List<ObjectNode> objects) {
        this.objects = objects;
    }

    Stream<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText()));
    }

    Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).filter(o -> name.equals(name(o))).findFirst();
    }

    /** Pod-making objects. A Rollout with workloadRef makes its pods from the referenced Deployment's template. */
    List<Workload> workloads() {
        List<Workload> workloads = new ArrayList<>();
        for (ObjectNode o : objects) {
            String kind = o.path("kind").asText();
            if (POD_TEMPLATE_KINDS.contains(kind) || ("Rollout".equals(kind) && o.path("spec").has("template"))) {
                workloads.add(new Workload(o, (ObjectNode) o.path("spec").path("template")));
            }
        }
        return workloads;
    }

    /** The Rollout that runs a Deployment's pods through workloadRef, if any. */
    Optional<ObjectNode> rolloutOf(ObjectNode deployment) {
        return ofKind("Rollout").filter(r -> {
            JsonNode ref = r.path("spec").path("workloadRef");
            return "Deployment".equals(ref.path("kind").asText()) && name(deployment).equals(ref.path("name").asText());
        }).findFirst();
    }

    /** Does anything run pods from this workload (replicas not pinned to 0, or a Rollout uses its template)? */
    boolean runsPods(Workload workload) {
        if ("Deployment".equals(workload.kind()) && rolloutOf(workload.object()).isPresent()) {
            return true;
        }
        JsonNode replicas = workload.object().path("spec").path("replicas");
        return replicas.isMissingNode() || replicas.asInt() > 0;
    }

    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    static String id(JsonNode o) {
        return o.path("kind").asText() + "/" + name(o);
    }

    static Map<String, String> strings(JsonNode map) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), e.getValue().asText());
        }
        return out;
    }

    /** A label selector (matchLabels and matchExpressions In/NotIn/Exists/DoesNotExist) against labels. */
    static boolean selects(JsonNode selector, Map<String, String> labels) {
        if (selector.isMissingNode() || selector.isNull()) {
            return false;
        }
        for (Map.Entry<String, String> e : strings(selector.path("matchLabels")).entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        for (JsonNode expr : selector.path("matchExpressions")) {
            String key = expr.path("key").asText();
            List<String> values = new ArrayList<>();
            expr.path("values").forEach(v -> values.add(v.asText()));
            boolean ok = switch (expr.path("operator").asText()) {
                case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
                case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
                case "Exists" -> labels.containsKey(key);
                case "DoesNotExist" -> !labels.containsKey(key);
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A Service's plain selector map. */
    static boolean selectsMap(JsonNode selector, Map<String, String> labels) {
        Map<String, String> wanted = strings(selector);
        return !wanted.isEmpty() && wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    static int syncWave(JsonNode o) {
        JsonNode wave = o.path("metadata").path("annotations").path("argocd.argoproj.io/sync-wave");
        return wave.isMissingNode() ? 0 : Integer.parseInt(wave.asText());
    }

    /** Environment variables a container gets from literal env entries and its envFrom ConfigMaps (in this set). */
    Map<String, String> environment(ObjectNode container) {
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode from : container.path("envFrom")) {
            String cm = from.path("configMapRef").path("name").asText(null);
            if (cm != null) {
                find("ConfigMap", cm).ifPresent(c -> env.putAll(strings(c.path("data"))));
            }
        }
        for (JsonNode e : container.path("env")) {
            if (e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            } else if (e.path("valueFrom").has("configMapKeyRef")) {
                JsonNode ref = e.path("valueFrom").path("configMapKeyRef");
                find("ConfigMap", ref.path("name").asText())
                        .map(c -> c.path("data").path(ref.path("key").asText()))
                        .filter(JsonNode::isTextual)
                        .ifPresent(v -> env.put(e.path("name").asText(), v.asText()));
            } else {
                env.put(e.path("name").asText(), "<from " + e.path("valueFrom").fieldNames().next() + ">");
            }
        }
        return env;
    }
}
