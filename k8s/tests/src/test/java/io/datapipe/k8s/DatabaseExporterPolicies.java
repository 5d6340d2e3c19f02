package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.k8s.Manifests.Workload;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The postgres_exporter that watches the environment's database (k8s/base/postgres-exporter):
 * one of it, logged in as the monitoring role and never as a service, pointed at the services'
 * database with their TLS settings, reachable by Prometheus alone and reaching PostgreSQL and DNS
 * alone, and scraped. Registered in {@link Policies#ALL}.
 */
final class DatabaseExporterPolicies {

    /** The exporter's image (prometheus-community), whatever its tag. */
    static final String IMAGE = "quay.io/prometheuscommunity/postgres-exporter";
    /** The port it serves /metrics on. */
    static final int PORT = 9187;
    /** The Secret of the read-only monitoring role (docs/deployment.md), keys username and password. */
    static final String MONITOR_SECRET = "datapipe-db-monitor";
    /** The services' JDBC URL starts so; the exporter's DATA_SOURCE_URI is the rest of it. */
    static final String JDBC_PREFIX = "jdbc:postgresql://";
    /**
     * Parameters that mean the same to the services' JDBC driver and to the exporter's libpq-style
     * driver (lib/pq). Any other parameter of DATAPIPE_DB_URL would reach the exporter as something
     * it does not understand, or understands differently.
     */
    static final Set<String> SHARED_PARAMETERS = Set.of("sslmode", "sslrootcert", "sslcert", "sslkey");
    /** Variables that take precedence over DATA_SOURCE_URI, _USER and _PASS in postgres_exporter. */
    static final Set<String> OVERRIDING_VARIABLES = Set.of("DATA_SOURCE_NAME", "DATA_SOURCE_URI_FILE", "DATA_SOURCE_USER_FILE", "DATA_SOURCE_PASS_FILE");

    private DatabaseExporterPolicies() {
    }

    /** The workloads that run the exporter's image. */
    static List<Workload> exporters(Manifests m) {
        return m.workloads().stream().filter(w -> container(w).isPresent()).toList();
    }

    /** The exporter's container in a workload, if it runs one. */
    static Optional<ObjectNode> container(Workload w) {
        return w.containers().stream().filter(c -> {
            String image = c.path("image").asText();
            return image.startsWith(IMAGE + ":") || image.startsWith(IMAGE + "@");
        }).findFirst();
    }

    /**
     * Exactly one exporter, a Deployment. Its DATA_SOURCE_USER and DATA_SOURCE_PASS come from the
     * monitoring role's Secret, nothing overrides them, and it reads no Secret a service reads. Its
     * DATA_SOURCE_URI is the services' DATAPIPE_DB_URL without jdbc:postgresql:// (same host, port,
     * database, sslmode, sslrootcert), with only parameters both drivers share; the CA bundle that
     * sslrootcert names is mounted from where the services mount it.
     */
    static List<String> credentialsAndDatabase(Manifests m) {
        List<Workload> exporters = exporters(m);
        if (exporters.size() != 1) {
            return List.of(exporters.size() + " workloads run " + IMAGE + ", expected exactly one: " + exporters.stream().map(Workload::id).toList());
        }
        List<String> out = new ArrayList<>();
        Workload w = exporters.getFirst();
        ObjectNode c = container(w).orElseThrow();
        String where = w.id() + " container " + c.path("name").asText();
        if (!"Deployment".equals(w.kind())) {
            out.add(w.id() + ": the exporter must be a Deployment");
        }
        for (Map.Entry<String, String> credential : Map.of("DATA_SOURCE_USER", "username", "DATA_SOURCE_PASS", "password").entrySet()) {
            JsonNode ref = env(c, credential.getKey()).path("valueFrom").path("secretKeyRef");
            if (!MONITOR_SECRET.equals(ref.path("name").asText()) || !credential.getValue().equals(ref.path("key").asText())) {
                out.add(where + ": " + credential.getKey() + " must come from Secret " + MONITOR_SECRET + ", key " + credential.getValue()
                        + ", not " + (ref.isMissingNode() ? env(c, credential.getKey()) : ref));
            }
        }
        for (JsonNode e : c.path("env")) {
            if (OVERRIDING_VARIABLES.contains(e.path("name").asText())) {
                out.add(where + ": " + e.path("name").asText() + " overrides DATA_SOURCE_URI, DATA_SOURCE_USER and DATA_SOURCE_PASS");
            }
        }
        Map<String, String> serviceSecrets = new LinkedHashMap<>();
        for (Workload s : m.workloads()) {
            if (s.isService()) {
                secrets(s).forEach(name -> serviceSecrets.putIfAbsent(name, s.id()));
            }
        }
        for (String name : secrets(w)) {
            if (serviceSecrets.containsKey(name)) {
                out.add(w.id() + ": reads Secret " + name + ", which " + serviceSecrets.get(name) + " uses; the exporter logs in as the monitoring role only");
            }
        }

        String uri = m.environment(c).get("DATA_SOURCE_URI");
        if (uri == null) {
            out.add(where + ": no DATA_SOURCE_URI");
            return out;
        }
        int query = uri.indexOf('?');
        Map<String, String> parameters = parameters(query < 0 ? "" : uri.substring(query + 1));
        for (String name : parameters.keySet()) {
            if (!SHARED_PARAMETERS.contains(name)) {
                out.add(where + ": DATA_SOURCE_URI parameter '" + name + "' is not one the JDBC driver and the exporter's driver share " + SHARED_PARAMETERS);
            }
        }
        for (Workload s : m.workloads()) {
            if (!s.isService()) {
                continue;
            }
            String url = m.environment(s.containers().getFirst()).get("DATAPIPE_DB_URL");
            if (url == null) {
                continue;
            }
            if (!url.startsWith(JDBC_PREFIX)) {
                out.add(s.id() + ": DATAPIPE_DB_URL does not start with " + JDBC_PREFIX + ", so the exporter's database cannot follow it");
            } else if (!url.substring(JDBC_PREFIX.length()).equals(uri)) {
                out.add(where + ": DATA_SOURCE_URI '" + uri + "' is not " + s.id() + "'s DATAPIPE_DB_URL without " + JDBC_PREFIX
                        + " ('" + url.substring(JDBC_PREFIX.length()) + "'): another database, or other TLS settings");
            }
        }
        String rootCert = parameters.get("sslrootcert");
        if (rootCert != null) {
            Optional<String> source = mountedConfigMap(w, c, rootCert);
            if (source.isEmpty()) {
                out.add(where + ": sslrootcert " + rootCert + " is not in a ConfigMap volume mounted into the container");
            }
            for (Workload s : m.workloads()) {
                Optional<String> services = s.isService() ? mountedConfigMap(s, s.containers().getFirst(), rootCert) : Optional.empty();
                if (source.isPresent() && services.isPresent() && !services.equals(source)) {
                    out.add(where + ": sslrootcert comes from ConfigMap " + source.get() + ", " + s.id() + "'s from ConfigMap " + services.get());
                }
            }
        }
        return out;
    }

    /**
     * The NetworkPolicies that select the exporter's pods (its own, default deny, DNS) let in
     * Prometheus alone, on port 9187 alone, and let out PostgreSQL (5432) and the cluster DNS (53)
     * alone; one of them does admit Prometheus' scrape.
     */
    static List<String> network(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : exporters(m)) {
            boolean scrapeAdmitted = false;
            List<ObjectNode> policies = m.ofKind("NetworkPolicy").filter(p -> p.path("spec").path("podSelector").isEmpty()
                    || Manifests.selects(p.path("spec").path("podSelector"), w.podLabels())).toList();
            for (ObjectNode p : policies) {
                String where = w.id() + " via NetworkPolicy/" + Manifests.name(p);
                for (JsonNode rule : p.path("spec").path("ingress")) {
                    List<Integer> ports = ports(w, rule, out, where + ": ingress");
                    for (int port : ports) {
                        if (port != PORT) {
                            out.add(where + ": ingress on port " + port + "; only the metrics port " + PORT + " is to be open");
                        }
                    }
                    if (rule.path("from").isEmpty()) {
                        out.add(where + ": ingress rule open to every source");
                    }
                    boolean prometheusOnly = !rule.path("from").isEmpty();
                    for (JsonNode peer : rule.path("from")) {
                        if (!isPrometheus(peer)) {
                            prometheusOnly = false;
                            out.add(where + ": ingress from " + peer + "; only Prometheus may reach the exporter");
                        }
                    }
                    scrapeAdmitted |= prometheusOnly && ports.contains(PORT);
                }
                for (JsonNode rule : p.path("spec").path("egress")) {
                    for (int port : ports(w, rule, out, where + ": egress")) {
                        if (port == 53) {
                            if (rule.path("to").isEmpty() || !allClusterDns(rule.path("to"))) {
                                out.add(where + ": DNS egress to " + rule.path("to") + ", not to the cluster DNS alone");
                            }
                        } else if (port != 5432) {
                            out.add(where + ": egress to port " + port + "; the exporter may reach PostgreSQL (5432) and DNS only");
                        }
                    }
                }
            }
            if (!scrapeAdmitted) {
                out.add(w.id() + ": no NetworkPolicy admits Prometheus on port " + PORT);
            }
        }
        return out;
    }

    /**
     * Prometheus scrapes the exporter: a Service selects its pods with a port that reaches 9187, and
     * a ServiceMonitor selects that Service and scrapes that port at /metrics.
     */
    static List<String> scraping(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : exporters(m)) {
            List<ObjectNode> services = m.ofKind("Service").filter(s -> Manifests.selectsMap(s.path("spec").path("selector"), w.podLabels())).toList();
            if (services.isEmpty()) {
                out.add(w.id() + ": no Service selects its pods, so Prometheus cannot discover it");
                continue;
            }
            boolean scraped = false;
            for (ObjectNode svc : services) {
                for (JsonNode port : svc.path("spec").path("ports")) {
                    JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                    if (resolve(w, target).orElse(-1) == PORT) {
                        scraped |= Policies.scrapedAt(m, svc, port.path("name").asText());
                    }
                }
            }
            if (!scraped) {
                out.add(w.id() + ": no ServiceMonitor selects a Service of it and scrapes port " + PORT + " at /metrics");
            }
        }
        return out;
    }

    // --- helpers ------------------------------------------------------------------------------

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        return Yaml.JSON.missingNode();
    }

    /** Every Secret a workload's containers and volumes read. */
    static Set<String> secrets(Workload w) {
        Set<String> names = new LinkedHashSet<>();
        for (ObjectNode c : w.containers()) {
            c.path("envFrom").forEach(f -> names.add(f.path("secretRef").path("name").asText(null)));
            c.path("env").forEach(e -> names.add(e.path("valueFrom").path("secretKeyRef").path("name").asText(null)));
        }
        for (JsonNode v : w.podSpec().path("volumes")) {
            names.add(v.path("secret").path("secretName").asText(null));
            v.path("projected").path("sources").forEach(s -> names.add(s.path("secret").path("name").asText(null)));
        }
        names.remove(null);
        return names;
    }

    /** The query of a URI as name -> value (the last one wins, as in lib/pq). */
    static Map<String, String> parameters(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            out.put(name, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The ConfigMap mounted into the container at a directory that holds the file, if any. */
    private static Optional<String> mountedConfigMap(Workload w, JsonNode container, String file) {
        for (JsonNode mount : container.path("volumeMounts")) {
            String dir = mount.path("mountPath").asText();
            if (!file.startsWith(dir.endsWith("/") ? dir : dir + "/")) {
                continue;
            }
            for (JsonNode v : w.podSpec().path("volumes")) {
                if (v.path("name").asText().equals(mount.path("name").asText()) && v.has("configMap")) {
                    return Optional.of(v.path("configMap").path("name").asText());
                }
            }
        }
        return Optional.empty();
    }

    /** The ports of a NetworkPolicy rule as numbers (named ones resolved against the pod's); none means every port, which is reported. */
    private static List<Integer> ports(Workload w, JsonNode rule, List<String> out, String where) {
        List<Integer> ports = new ArrayList<>();
        if (rule.path("ports").isEmpty()) {
            out.add(where + " rule without ports (any port)");
        }
        for (JsonNode p : rule.path("ports")) {
            OptionalInt port = resolve(w, p.path("port"));
            if (port.isEmpty() || p.has("endPort")) {
                out.add(where + " to port " + p.path("port").asText("(any)") + (p.has("endPort") ? "-" + p.path("endPort").asText() : "") + ", which is not one port of the pod");
            } else {
                ports.add(port.getAsInt());
            }
        }
        return ports;
    }

    /** A port number, or a port name resolved against the workload's container ports. */
    private static OptionalInt resolve(Workload w, JsonNode port) {
        if (port.canConvertToInt()) {
            return OptionalInt.of(port.asInt());
        }
        for (ObjectNode c : w.containers()) {
            for (JsonNode p : c.path("ports")) {
                if (port.isTextual() && port.asText().equals(p.path("name").asText())) {
                    return OptionalInt.of(p.path("containerPort").asInt());
                }
            }
        }
        return OptionalInt.empty();
    }

    /** Prometheus' pods in the monitoring namespace (kube-prometheus-stack, docs/deployment.md), and nothing else. */
    private static boolean isPrometheus(JsonNode peer) {
        return !peer.has("ipBlock")
                && "monitoring".equals(peer.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText())
                && "prometheus".equals(peer.path("podSelector").path("matchLabels").path("app.kubernetes.io/name").asText());
    }

    private static boolean allClusterDns(JsonNode peers) {
        for (JsonNode peer : peers) {
            if (peer.has("ipBlock")
                    || !"kube-system".equals(peer.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText())
                    || !"kube-dns".equals(peer.path("podSelector").path("matchLabels").path("k8s-app").asText())) {
                return false;
            }
        }
        return true;
    }
}
