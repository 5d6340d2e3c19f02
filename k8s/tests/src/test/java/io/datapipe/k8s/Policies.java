package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.datapipe.monitoring.AlertmanagerConfigs;
import io.datapipe.k8s.Manifests.Workload;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The deployment rules of this project, as checks over a rendered set of objects. Each
 * returns the violations it finds, one readable line each; none means the rule holds.
 * The rules on a single container are a table, {@link #CONTAINER_RULES}, one line each;
 * the rules that relate objects to each other (selectors, references, network reach,
 * sync waves) are methods. Every policy has a test that breaks a real rendering and
 * expects it to be caught (PolicyNegativeTest).
 */
final class Policies {

    /** Ports the services may open connections to: DNS, HTTPS (JWKS, AWS), OTLP, PostgreSQL, AMQP(S). */
    static final Set<Integer> ALLOWED_EGRESS_PORTS = Set.of(53, 443, 4317, 4318, 5432, 5671, 5672);
    /** Namespaces allowed to reach the services: the gateway's proxies and Prometheus. */
    static final Set<String> ALLOWED_INGRESS_NAMESPACES = Set.of("envoy-gateway-system", "monitoring");
    /** ConfigMaps that the platform creates outside Git (see docs/deployment.md). */
    static final Set<String> EXTERNAL_CONFIGMAPS = Set.of("datapipe-db-ca");
    /**
     * Secrets created outside Git where nothing makes them: dev's chat webhook for Alertmanager
     * (docs/observability.md). stg and prd make it with External Secrets (AlertRoutingTest checks).
     */
    static final Set<String> EXTERNAL_SECRETS = Set.of("datapipe-alerting-chat");

    private static final Pattern TAGGED_IMAGE = Pattern.compile("^[^@\\s]+:(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})(@sha256:[a-f0-9]{64})?$|^[^@\\s]+@sha256:[a-f0-9]{64}$");

    static final Map<String, Function<Manifests, List<String>>> ALL = new LinkedHashMap<>();

    static {
        ALL.put("probes", m -> containers(m, "probes"));
        ALL.put("resources", m -> containers(m, "resources"));
        ALL.put("securityContext", m -> containers(m, "securityContext"));
        ALL.put("imageTags", Policies::imageTags);
        ALL.put("disruptionBudgets", Policies::disruptionBudgets);
        ALL.put("networkPolicies", Policies::networkPolicies);
        ALL.put("networkReach", Policies::networkReach);
        ALL.put("rolloutStrategy", Policies::rolloutStrategy);
        ALL.put("gracefulShutdown", Policies::gracefulShutdown);
        ALL.put("httpRoute", Policies::httpRoute);
        ALL.put("edgeRateLimits", EdgePolicies::rateLimits);
        ALL.put("edgeUpstream", EdgePolicies::upstream);
        ALL.put("edgeClient", EdgePolicies::client);
        ALL.put("serviceWiring", Policies::serviceWiring);
        ALL.put("serviceMonitors", Policies::serviceMonitors);
        ALL.put("collector", Policies::collector);
        ALL.put("collectorRegion", Policies::collectorRegion);
        ALL.put("dbExporter", DatabaseExporterPolicies::credentialsAndDatabase);
        ALL.put("dbExporterNetwork", DatabaseExporterPolicies::network);
        ALL.put("dbExporterScraping", DatabaseExporterPolicies::scraping);
        ALL.put("schemaMigration", SchemaMigrationPolicies::job);
        ALL.put("schemaMigrationNetwork", SchemaMigrationPolicies::network);
        ALL.put("syncWaves", Policies::syncWaves);
        ALL.put("references", Policies::references);
        ALL.put("autoscaling", Policies::autoscaling);
        ALL.put("serviceAccounts", Policies::serviceAccounts);
        ALL.put("labels", Policies::labels);
        ALL.put("namespaces", Policies::namespaces);
    }

    private Policies() {
    }

    static Map<String, List<String>> check(Manifests m) {
        Map<String, List<String>> violations = new LinkedHashMap<>();
        ALL.forEach((name, policy) -> {
            List<String> found = policy.apply(m);
            if (!found.isEmpty()) {
                violations.put(name, found);
            }
        });
        return violations;
    }

    /** One container of a workload, as a container rule sees it. */
    record Container(Workload workload, ObjectNode spec) {

        JsonNode at(String pointer) {
            return spec.at(pointer);
        }

        /** A security setting: the container's own, else the pod's. */
        JsonNode security(String field) {
            JsonNode own = spec.path("securityContext");
            return own.has(field) ? own.path(field) : workload.podSpec().path("securityContext").path(field);
        }

        /** Whether an emptyDir volume is mounted at this path. */
        boolean emptyDirAt(String path) {
            for (JsonNode mount : spec.path("volumeMounts")) {
                for (JsonNode volume : workload.podSpec().path("volumes")) {
                    if (path.equals(mount.path("mountPath").asText()) && volume.has("emptyDir")
                            && volume.path("name").asText().equals(mount.path("name").asText())) {
                        return true;
                    }
                }
            }
            return false;
        }

        Set<String> portNames() {
            Set<String> names = new HashSet<>();
            spec.path("ports").forEach(port -> names.add(port.path("name").asText()));
            return names;
        }
    }

    /**
     * A rule every container of every workload keeps.
     *
     * @param policy    the policy it belongs to
     * @param violation what is wrong with a container, or {@code null} when the rule holds
     */
    record ContainerRule(String policy, Function<Container, String> violation) {

        static ContainerRule holds(String policy, java.util.function.Predicate<Container> rule, String otherwise) {
            return new ContainerRule(policy, c -> rule.test(c) ? null : otherwise);
        }
    }

    /** The rules on containers, one line each: probes, resources, security context, image tags. */
    static final List<ContainerRule> CONTAINER_RULES = List.of(
            ContainerRule.holds("probes", c -> c.spec().has("livenessProbe"), "no livenessProbe"),
            ContainerRule.holds("probes", c -> c.spec().has("readinessProbe"), "no readinessProbe"),
            ContainerRule.holds("probes", c -> c.spec().has("startupProbe"), "no startupProbe"),
            new ContainerRule("probes", Policies::undeclaredProbePort),
            new ContainerRule("probes", c -> healthPath(c, "livenessProbe", "/health/live")),
            new ContainerRule("probes", c -> healthPath(c, "readinessProbe", "/health/ready")),
            new ContainerRule("probes", c -> healthPath(c, "startupProbe", "/health/started")),
            ContainerRule.holds("resources", c -> c.at("/resources/requests").has("cpu"), "no cpu requests"),
            ContainerRule.holds("resources", c -> c.at("/resources/requests").has("memory"), "no memory requests"),
            ContainerRule.holds("resources", c -> c.at("/resources/limits").has("cpu"), "no cpu limits"),
            ContainerRule.holds("resources", c -> c.at("/resources/limits").has("memory"), "no memory limits"),
            ContainerRule.holds("securityContext", c -> c.security("runAsNonRoot").asBoolean(false), "runAsNonRoot is not true"),
            ContainerRule.holds("securityContext", c -> c.security("runAsUser").isMissingNode() || c.security("runAsUser").asInt() != 0,
                                "runs as UID 0"),
            ContainerRule.holds("securityContext", c -> c.at("/securityContext/readOnlyRootFilesystem").asBoolean(false),
                                "readOnlyRootFilesystem is not true"),
            ContainerRule.holds("securityContext", c -> !c.at("/securityContext/readOnlyRootFilesystem").asBoolean(false) || c.emptyDirAt("/tmp"),
                                "read-only root filesystem without an emptyDir mounted at /tmp"),
            ContainerRule.holds("securityContext", c -> !c.at("/securityContext/allowPrivilegeEscalation").asBoolean(true),
                                "allowPrivilegeEscalation is not false"),
            ContainerRule.holds("securityContext", c -> !c.at("/securityContext/privileged").asBoolean(false), "privileged"),
            ContainerRule.holds("securityContext", c -> texts(c.at("/securityContext/capabilities/drop")).contains("ALL"),
                                "capabilities.drop does not contain ALL"),
            ContainerRule.holds("securityContext", c -> c.at("/securityContext/capabilities/add").isEmpty(), "adds capabilities"),
            ContainerRule.holds("securityContext", c -> "RuntimeDefault".equals(c.security("seccompProfile").path("type").asText()),
                                "seccompProfile is not RuntimeDefault"),
            new ContainerRule("imageTags", c -> imageViolation(c.spec().path("image").asText())));

    /**
     * The violations of one policy's container rules, each prefixed with the workload and container.
     * Probes are for pods that keep running: not a Job's.
     */
    static List<String> containers(Manifests m, String policy) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if ("probes".equals(policy) && w.runsToCompletion()) {
                continue;
            }
            for (ObjectNode spec : w.containers()) {
                Container c = new Container(w, spec);
                CONTAINER_RULES.stream().filter(rule -> rule.policy().equals(policy))
                        .map(rule -> rule.violation().apply(c)).filter(java.util.Objects::nonNull)
                        .forEach(violation -> out.add(w.id() + " container " + spec.path("name").asText() + ": " + violation));
            }
        }
        return out;
    }

    private static String undeclaredProbePort(Container c) {
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            JsonNode port = c.spec().path(probe).path("httpGet").path("port");
            if (port.isTextual() && !c.portNames().contains(port.asText())) {
                return probe + " uses port '" + port.asText() + "', which the container does not declare";
            }
        }
        return null;
    }

    /** The services' probes GET their health endpoints. */
    private static String healthPath(Container c, String probe, String path) {
        String actual = c.spec().path(probe).path("httpGet").path("path").asText();
        return !c.workload().isService() || !c.spec().has(probe) || path.equals(actual) ? null
                : probe + " must GET " + path + ", not '" + actual + "'";
    }

    /** Images outside containers (the broker's) follow the image-tag rule too. */
    static List<String> imageTags(Manifests m) {
        List<String> out = containers(m, "imageTags");
        m.ofKind("RabbitmqCluster").filter(r -> r.path("spec").has("image")).forEach(r -> {
            String violation = imageViolation(r.path("spec").path("image").asText());
            if (violation != null) {
                out.add(Manifests.id(r) + ": " + violation);
            }
        });
        return out;
    }

    /** Every image has an explicit tag (or digest), never `latest`. */
    static String imageViolation(String image) {
        var matcher = TAGGED_IMAGE.matcher(image);
        if (!matcher.matches()) {
            return "image '" + image + "' has no tag";
        }
        return "latest".equals(matcher.group("tag")) ? "image '" + image + "' uses the latest tag" : null;
    }

    /**
     * A PodDisruptionBudget selects the pods of every workload that runs pods, but a Job's: an evicted
     * attempt is retried (backoffLimit), and a budget would only hold up the node's drain.
     */
    static List<String> disruptionBudgets(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if (m.runsPods(w) && !w.runsToCompletion() && m.ofKind("PodDisruptionBudget").noneMatch(p -> Manifests.selects(p.path("spec").path("selector"), w.podLabels()))) {
                out.add(w.id() + ": no PodDisruptionBudget selects its pods");
            }
        }
        return out;
    }

    /** Default deny in place, and every workload (and in-cluster broker) selected by a NetworkPolicy of its own. */
    static List<String> networkPolicies(Manifests m) {
        List<String> out = new ArrayList<>();
        boolean defaultDeny = m.ofKind("NetworkPolicy").anyMatch(p -> {
            JsonNode spec = p.path("spec");
            Set<String> types = new HashSet<>();
            spec.path("policyTypes").forEach(t -> types.add(t.asText()));
            return spec.path("podSelector").isEmpty() && types.containsAll(List.of("Ingress", "Egress"))
                    && spec.path("ingress").isEmpty() && spec.path("egress").isEmpty();
        });
        if (!defaultDeny) {
            out.add("no default-deny NetworkPolicy (empty podSelector, Ingress and Egress, no rules)");
        }
        List<Map.Entry<String, Map<String, String>>> targets = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if (m.runsPods(w)) {
                targets.add(Map.entry(w.id(), w.podLabels()));
            }
        }
        m.ofKind("RabbitmqCluster").forEach(r -> targets.add(Map.entry(Manifests.id(r), Map.of("app.kubernetes.io/name", Manifests.name(r)))));
        for (var target : targets) {
            boolean selected = m.ofKind("NetworkPolicy").anyMatch(p -> !p.path("spec").path("podSelector").isEmpty()
                    && Manifests.selects(p.path("spec").path("podSelector"), target.getValue()));
            if (!selected) {
                out.add(target.getKey() + ": no NetworkPolicy of its own selects its pods");
            }
        }
        return out;
    }

    /**
     * What the services' policies open: egress only to the allowed ports, ingress only from the
     * gateway and Prometheus namespaces, and the worker (persister) from Prometheus alone.
     */
    static List<String> networkReach(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if (!w.isService()) {
                continue;
            }
            boolean worker = "worker".equals(w.podLabels().get("app.kubernetes.io/component"));
            m.ofKind("NetworkPolicy").filter(p -> Manifests.selects(p.path("spec").path("podSelector"), w.podLabels())
                    || p.path("spec").path("podSelector").isEmpty()).forEach(p -> {
                String where = w.id() + " via NetworkPolicy/" + Manifests.name(p);
                egressOutside(p, ALLOWED_EGRESS_PORTS, " is not allowed").forEach(v -> out.add(where + ": " + v));
                for (JsonNode rule : p.path("spec").path("ingress")) {
                    if (rule.path("from").isEmpty()) {
                        out.add(where + ": ingress rule open to every source");
                    }
                    for (JsonNode peer : rule.path("from")) {
                        String ns = peer.path("namespaceSelector").path("matchLabels").path("kubernetes.io/metadata.name").asText("");
                        if (peer.has("ipBlock") || !ALLOWED_INGRESS_NAMESPACES.contains(ns)) {
                            out.add(where + ": ingress from " + peer + " (only the gateway and Prometheus namespaces may call in)");
                        } else if (worker && !"monitoring".equals(ns)) {
                            out.add(where + ": the worker accepts traffic from " + ns + "; only Prometheus may reach it");
                        }
                    }
                }
            });
        }
        return out;
    }

    /**
     * What a NetworkPolicy's egress rules open beyond the allowed ports: a rule without ports (any port),
     * and each port not allowed, followed by {@code why}.
     */
    static List<String> egressOutside(JsonNode policy, Set<Integer> allowed, String why) {
        List<String> out = new ArrayList<>();
        for (JsonNode rule : policy.path("spec").path("egress")) {
            if (rule.path("ports").isEmpty()) {
                out.add("egress rule without ports (any port)");
            }
            for (JsonNode port : rule.path("ports")) {
                if (!port.path("port").canConvertToInt() || !allowed.contains(port.path("port").asInt())) {
                    out.add("egress to port " + port.path("port").asText() + why);
                }
            }
        }
        return out;
    }

    /** Slow, safe roll-outs: minReadySeconds, progressDeadlineSeconds, maxUnavailable 0; Rollouts wired to existing templates. */
    static List<String> rolloutStrategy(Manifests m) {
        List<String> out = new ArrayList<>();
        for (ObjectNode d : m.ofKind("Deployment").toList()) {
            JsonNode spec = d.path("spec");
            String where = Manifests.id(d);
            if (spec.path("minReadySeconds").asInt(0) <= 0) {
                out.add(where + ": minReadySeconds not set");
            }
            if (!spec.has("progressDeadlineSeconds")) {
                out.add(where + ": progressDeadlineSeconds not set");
            }
            if (!"0".equals(spec.path("strategy").path("rollingUpdate").path("maxUnavailable").asText())) {
                out.add(where + ": strategy.rollingUpdate.maxUnavailable is not 0");
            }
        }
        for (ObjectNode r : m.ofKind("Rollout").toList()) {
            JsonNode spec = r.path("spec");
            String where = Manifests.id(r);
            if (spec.path("minReadySeconds").asInt(0) <= 0) {
                out.add(where + ": minReadySeconds not set");
            }
            if (!spec.has("progressDeadlineSeconds")) {
                out.add(where + ": progressDeadlineSeconds not set");
            }
            JsonNode canary = spec.path("strategy").path("canary");
            if (canary.isMissingNode()) {
                out.add(where + ": not a canary");
                continue;
            }
            if (!"0".equals(canary.path("maxUnavailable").asText())) {
                out.add(where + ": canary.maxUnavailable is not 0");
            }
            JsonNode ref = spec.path("workloadRef");
            if (!ref.isMissingNode()) {
                Optional<ObjectNode> d = m.find(ref.path("kind").asText(), ref.path("name").asText());
                if (d.isEmpty()) {
                    out.add(where + ": workloadRef names " + ref.path("kind").asText() + "/" + ref.path("name").asText() + ", which does not exist");
                } else {
                    if (d.get().path("spec").path("replicas").asInt(-1) != 0) {
                        out.add(where + ": its workloadRef Deployment must declare replicas: 0 (the Rollout runs the pods)");
                    }
                    if (!Manifests.selects(spec.path("selector"), Manifests.strings(d.get().path("spec").path("template").path("metadata").path("labels")))) {
                        out.add(where + ": selector does not match the referenced template's labels");
                    }
                }
            }
            boolean weighted = false;
            for (JsonNode step : canary.path("steps")) {
                weighted |= step.has("setWeight");
                if (step.has("analysis")) {
                    checkAnalysis(m, out, where, step.path("analysis"));
                }
            }
            if (!weighted) {
                out.add(where + ": canary has no setWeight step");
            }
        }
        return out;
    }

    private static void checkAnalysis(Manifests m, List<String> out, String where, JsonNode analysis) {
        Set<String> given = new HashSet<>();
        analysis.path("args").forEach(a -> given.add(a.path("name").asText()));
        for (JsonNode t : analysis.path("templates")) {
            String name = t.path("templateName").asText();
            Optional<ObjectNode> template = m.find(t.path("clusterScope").asBoolean(false) ? "ClusterAnalysisTemplate" : "AnalysisTemplate", name);
            if (template.isEmpty()) {
                out.add(where + ": analysis template '" + name + "' does not exist");
                continue;
            }
            for (JsonNode arg : template.get().path("spec").path("args")) {
                if (!arg.has("value") && !arg.has("valueFrom") && !given.contains(arg.path("name").asText())) {
                    out.add(where + ": analysis '" + name + "' needs argument '" + arg.path("name").asText() + "'");
                }
            }
        }
    }

    /** preStop drain before SIGTERM, and a grace period that covers it: 30 s for HTTP services, 45 s for the worker's batch. */
    static List<String> gracefulShutdown(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if (!w.isService()) {
                continue;
            }
            int grace = w.podSpec().path("terminationGracePeriodSeconds").asInt(30);
            int needed = "worker".equals(w.podLabels().get("app.kubernetes.io/component")) ? 45 : 30;
            if (grace < needed) {
                out.add(w.id() + ": terminationGracePeriodSeconds " + grace + " < " + needed);
            }
            for (JsonNode c : w.podSpec().path("containers")) {
                JsonNode preStop = c.path("lifecycle").path("preStop");
                int sleep = preStop.path("sleep").path("seconds").asInt(0);
                if (sleep <= 0 && !preStop.has("exec")) {
                    out.add(w.id() + " container " + c.path("name").asText() + ": no preStop pause for endpoints to drain");
                } else if (sleep >= grace) {
                    out.add(w.id() + " container " + c.path("name").asText() + ": preStop sleep " + sleep + " s leaves no time to shut down");
                }
            }
        }
        return out;
    }

    /**
     * POST /data to the generator, GET /data to web, every other GET to web (the web console, which must
     * share the API's origin), on the Gateway's HTTPS listener and host.
     */
    static List<String> httpRoute(Manifests m) {
        List<String> out = new ArrayList<>();
        List<ObjectNode> routes = m.ofKind("HTTPRoute").toList();
        if (routes.isEmpty()) {
            return List.of("no HTTPRoute");
        }
        Map<String, String> backendByMethod = new LinkedHashMap<>();
        List<String> consoleBackends = new ArrayList<>();
        for (ObjectNode route : routes) {
            String where = Manifests.id(route);
            for (JsonNode rule : route.path("spec").path("rules")) {
                for (JsonNode match : rule.path("matches")) {
                    if ("PathPrefix".equals(match.path("path").path("type").asText()) && "/data".equals(match.path("path").path("value").asText())) {
                        String method = match.path("method").asText("ANY");
                        List<String> backends = new ArrayList<>();
                        rule.path("backendRefs").forEach(b -> backends.add(b.path("name").asText()));
                        backendByMethod.merge(method, String.join(",", backends), (a, b) -> a + "+" + b);
                    }
                    if ("PathPrefix".equals(match.path("path").path("type").asText()) && "/".equals(match.path("path").path("value").asText())
                            && "GET".equals(match.path("method").asText())) {
                        rule.path("backendRefs").forEach(b -> consoleBackends.add(b.path("name").asText()));
                    }
                }
                for (JsonNode backend : rule.path("backendRefs")) {
                    Optional<ObjectNode> svc = m.find("Service", backend.path("name").asText());
                    if (svc.isEmpty()) {
                        out.add(where + ": backend Service " + backend.path("name").asText() + " does not exist");
                    } else {
                        boolean port = false;
                        for (JsonNode p : svc.get().path("spec").path("ports")) {
                            port |= p.path("port").asInt() == backend.path("port").asInt();
                        }
                        if (!port) {
                            out.add(where + ": Service " + backend.path("name").asText() + " has no port " + backend.path("port").asText());
                        }
                    }
                }
            }
            for (JsonNode parent : route.path("spec").path("parentRefs")) {
                Optional<ObjectNode> gateway = m.find("Gateway", parent.path("name").asText());
                if (gateway.isEmpty()) {
                    out.add(where + ": parent Gateway " + parent.path("name").asText() + " does not exist");
                    continue;
                }
                boolean tls = false;
                for (JsonNode listener : gateway.get().path("spec").path("listeners")) {
                    if (parent.has("sectionName") && !parent.path("sectionName").asText().equals(listener.path("name").asText())) {
                        continue;
                    }
                    tls |= "HTTPS".equals(listener.path("protocol").asText()) && listener.path("tls").path("certificateRefs").size() > 0;
                    boolean hostMatches = false;
                    for (JsonNode host : route.path("spec").path("hostnames")) {
                        hostMatches |= host.asText().equals(listener.path("hostname").asText());
                    }
                    if (!hostMatches) {
                        out.add(where + ": no hostname of the route matches listener " + listener.path("name").asText() + " (" + listener.path("hostname").asText() + ")");
                    }
                }
                if (!tls) {
                    out.add(where + ": attached to no HTTPS listener with a certificate");
                }
            }
        }
        if (!"generator".equals(backendByMethod.get("POST"))) {
            out.add("POST /data must go to generator only, goes to: " + backendByMethod.get("POST"));
        }
        if (!"web".equals(backendByMethod.get("GET"))) {
            out.add("GET /data must go to web only, goes to: " + backendByMethod.get("GET"));
        }
        if (backendByMethod.containsKey("ANY")) {
            out.add("a /data rule matches every method: " + backendByMethod.get("ANY"));
        }
        if (!List.of("web").equals(consoleBackends)) {
            out.add("GET / (the web console) must go to web only, goes to: " + consoleBackends);
        }
        return out;
    }

    /** Service selectors match pods, and targetPorts name ports those pods declare. */
    static List<String> serviceWiring(Manifests m) {
        List<String> out = new ArrayList<>();
        for (ObjectNode svc : m.ofKind("Service").toList()) {
            String where = Manifests.id(svc);
            List<Workload> backends = m.workloads().stream()
                    .filter(w -> m.runsPods(w) && Manifests.selectsMap(svc.path("spec").path("selector"), w.podLabels()))
                    .toList();
            if (backends.isEmpty()) {
                out.add(where + ": selector " + svc.path("spec").path("selector") + " matches no pods");
                continue;
            }
            for (JsonNode port : svc.path("spec").path("ports")) {
                JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                for (Workload w : backends) {
                    boolean found = false;
                    for (ObjectNode c : w.containers()) {
                        for (JsonNode cp : c.path("ports")) {
                            found |= target.isTextual() ? target.asText().equals(cp.path("name").asText()) : target.asInt() == cp.path("containerPort").asInt();
                        }
                    }
                    if (!found) {
                        out.add(where + ": targetPort " + target.asText() + " is not a port of " + w.id());
                    }
                }
                if (!target.isTextual()) {
                    out.add(where + ": targetPort " + target.asText() + " should name the container port");
                }
            }
        }
        return out;
    }

    /** Prometheus scrapes each service at /metrics on its `http` port. */
    static List<String> serviceMonitors(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if (!w.isService()) {
                continue;
            }
            Optional<ObjectNode> svc = m.ofKind("Service").filter(s -> Manifests.selectsMap(s.path("spec").path("selector"), w.podLabels())).findFirst();
            if (svc.isEmpty()) {
                out.add(w.id() + ": no Service, so nothing to scrape");
                continue;
            }
            if (!scrapedAt(m, svc.get(), "http")) {
                out.add(w.id() + ": no ServiceMonitor scrapes " + Manifests.id(svc.get()) + " at port http, path /metrics");
            }
        }
        return out;
    }

    /** Whether the Service has a port named {@code portName} and a ServiceMonitor selects it and scrapes that port at /metrics. */
    static boolean scrapedAt(Manifests m, ObjectNode svc, String portName) {
        boolean hasPort = false;
        for (JsonNode p : svc.path("spec").path("ports")) {
            hasPort |= portName.equals(p.path("name").asText());
        }
        Map<String, String> labels = Manifests.strings(svc.path("metadata").path("labels"));
        return hasPort && m.ofKind("ServiceMonitor").anyMatch(sm -> {
            if (!Manifests.selects(sm.path("spec").path("selector"), labels)) {
                return false;
            }
            for (JsonNode e : sm.path("spec").path("endpoints")) {
                if (portName.equals(e.path("port").asText()) && "/metrics".equals(e.path("path").asText())) {
                    return true;
                }
            }
            return false;
        });
    }

    /** The collector's pipeline: OTLP in, memory_limiter first, batch, awsxray out with the region from the environment. */
    static List<String> collector(Manifests m) {
        List<String> out = new ArrayList<>();
        Optional<Workload> collector = m.workloads().stream().filter(w -> "otel-collector".equals(w.name())).findFirst();
        if (collector.isEmpty()) {
            return List.of("no otel-collector Deployment");
        }
        String configMap = null;
        for (JsonNode v : collector.get().podSpec().path("volumes")) {
            if (v.has("configMap")) {
                configMap = v.path("configMap").path("name").asText();
            }
        }
        Optional<ObjectNode> cm = configMap == null ? Optional.empty() : m.find("ConfigMap", configMap);
        if (cm.isEmpty()) {
            return List.of("otel-collector: its configuration ConfigMap (" + configMap + ") is missing");
        }
        List<ObjectNode> docs = Yaml.documents(cm.get().path("data").path("config.yaml").asText(""));
        if (docs.size() != 1) {
            return List.of("otel-collector: config.yaml is missing or not one YAML document");
        }
        ObjectNode config = docs.getFirst();
        JsonNode traces = config.path("service").path("pipelines").path("traces");
        if (traces.isMissingNode()) {
            return List.of("otel-collector: no traces pipeline");
        }
        List<String> exporters = texts(traces.path("exporters"));
        List<String> processors = texts(traces.path("processors"));
        if (!exporters.contains("awsxray")) {
            out.add("otel-collector: the traces pipeline does not export to awsxray, it exports to " + exporters);
        }
        if (processors.isEmpty() || !"memory_limiter".equals(processors.getFirst())) {
            out.add("otel-collector: memory_limiter must be the first processor, found " + processors);
        }
        if (!processors.contains("batch")) {
            out.add("otel-collector: no batch processor");
        }
        JsonNode protocols = config.path("receivers").path("otlp").path("protocols");
        if (!protocols.has("grpc") || !protocols.has("http") || !texts(traces.path("receivers")).contains("otlp")) {
            out.add("otel-collector: the traces pipeline must receive OTLP over gRPC and HTTP");
        }
        for (String section : List.of("receivers", "processors", "exporters")) {
            for (String component : texts(traces.path(section))) {
                if (!config.path(section).has(component)) {
                    out.add("otel-collector: " + section + " '" + component + "' is used but not defined");
                }
            }
        }
        if (!"${env:AWS_REGION}".equals(config.path("exporters").path("awsxray").path("region").asText())) {
            out.add("otel-collector: awsxray.region must come from ${env:AWS_REGION}");
        }
        return out;
    }

    /** The X-Ray region is configured (per environment: never in the base or the chart's defaults). */
    static List<String> collectorRegion(Manifests m) {
        Optional<Workload> collector = m.workloads().stream().filter(w -> "otel-collector".equals(w.name())).findFirst();
        if (collector.isEmpty()) {
            return List.of("no otel-collector Deployment");
        }
        String region = m.environment((ObjectNode) collector.get().podSpec().path("containers").path(0)).get("AWS_REGION");
        if (region == null || !region.matches("[a-z]{2}(-gov)?-[a-z]+-\\d")) {
            return List.of("otel-collector: AWS_REGION is not configured (found " + region + ")");
        }
        return List.of();
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static final Set<String> FOUNDATION_KINDS = Set.of("ConfigMap", "Secret", "ExternalSecret", "ServiceAccount", "NetworkPolicy",
            "AnalysisTemplate", "RabbitmqCluster", "Vhost", "Exchange", "Queue", "Binding", "User", "Permission", "Policy");

    /**
     * Argo CD order: namespace, then configuration, secrets and topology, then the services, then the
     * routes in; the edge limits before the Gateway and routes they guard.
     */
    static List<String> syncWaves(Manifests m) {
        List<String> out = new ArrayList<>(EdgePolicies.syncWaves(m));
        List<ObjectNode> services = new ArrayList<>();
        for (Workload w : m.workloads()) {
            if (w.isService()) {
                services.add(w.object());
                m.rolloutOf(w.object()).ifPresent(services::add);
            }
        }
        int firstService = services.stream().mapToInt(Manifests::syncWave).min().orElse(0);
        int lastService = services.stream().mapToInt(Manifests::syncWave).max().orElse(0);
        for (ObjectNode o : m.objects) {
            String kind = o.path("kind").asText();
            int wave = Manifests.syncWave(o);
            if (FOUNDATION_KINDS.contains(kind) && wave >= firstService) {
                out.add(Manifests.id(o) + ": sync wave " + wave + " is not before the services' (" + firstService + ")");
            }
            if (List.of("Gateway", "HTTPRoute").contains(kind) && wave <= lastService) {
                out.add(Manifests.id(o) + ": sync wave " + wave + " is not after the services' (" + lastService + ")");
            }
            if ("Namespace".equals(kind) && m.objects.stream().anyMatch(x -> x != o && Manifests.syncWave(x) <= wave)) {
                out.add(Manifests.id(o) + ": the Namespace must be the first sync wave");
            }
        }
        return out;
    }

    /** Every ConfigMap and Secret a pod, a topology object or an AlertmanagerConfig names exists (or is made by an ExternalSecret). */
    static List<String> references(Manifests m) {
        List<String> out = new ArrayList<>();
        Set<String> secrets = new HashSet<>();
        m.ofKind("Secret").forEach(s -> secrets.add(Manifests.name(s)));
        m.ofKind("ExternalSecret").forEach(s -> secrets.add(s.path("spec").path("target").path("name").asText(Manifests.name(s))));
        for (ObjectNode config : m.ofKind("AlertmanagerConfig").toList()) {
            for (var ref : AlertmanagerConfigs.secretRefs(config)) {
                if (!EXTERNAL_SECRETS.contains(ref.getKey())) {
                    secret(out, secrets, Manifests.id(config), TextNode.valueOf(ref.getKey()));
                }
            }
        }
        for (Workload w : m.workloads()) {
            for (ObjectNode c : w.containers()) {
                String where = w.id() + " container " + c.path("name").asText();
                for (JsonNode from : c.path("envFrom")) {
                    configMap(m, out, where, from.path("configMapRef").path("name"), null);
                    secret(out, secrets, where, from.path("secretRef").path("name"));
                }
                for (JsonNode e : c.path("env")) {
                    JsonNode cmRef = e.path("valueFrom").path("configMapKeyRef");
                    configMap(m, out, where, cmRef.path("name"), cmRef.path("key").asText(null));
                    secret(out, secrets, where, e.path("valueFrom").path("secretKeyRef").path("name"));
                }
            }
            for (JsonNode v : w.podSpec().path("volumes")) {
                configMap(m, out, w.id(), v.path("configMap").path("name"), null);
                secret(out, secrets, w.id(), v.path("secret").path("secretName"));
            }
        }
        for (ObjectNode o : m.objects) {
            if (o.path("apiVersion").asText().startsWith("rabbitmq.com/")) {
                secret(out, secrets, Manifests.id(o), o.path("spec").path("importCredentialsSecret").path("name"));
                secret(out, secrets, Manifests.id(o), o.path("spec").path("rabbitmqClusterReference").path("connectionSecret").path("name"));
                JsonNode cluster = o.path("spec").path("rabbitmqClusterReference").path("name");
                if (!cluster.isMissingNode() && m.find("RabbitmqCluster", cluster.asText()).isEmpty()) {
                    out.add(Manifests.id(o) + ": RabbitmqCluster " + cluster.asText() + " does not exist");
                }
            }
        }
        return out;
    }

    private static void configMap(Manifests m, List<String> out, String where, JsonNode name, String key) {
        if (name.isMissingNode() || EXTERNAL_CONFIGMAPS.contains(name.asText())) {
            return;
        }
        Optional<ObjectNode> cm = m.find("ConfigMap", name.asText());
        if (cm.isEmpty()) {
            out.add(where + ": ConfigMap " + name.asText() + " does not exist");
        } else if (key != null && !cm.get().path("data").has(key)) {
            out.add(where + ": ConfigMap " + name.asText() + " has no key " + key);
        }
    }

    private static void secret(List<String> out, Set<String> secrets, String where, JsonNode name) {
        if (!name.isMissingNode() && !secrets.contains(name.asText())) {
            out.add(where + ": Secret " + name.asText() + " is neither in the manifests nor made by an ExternalSecret");
        }
    }

    /** HPAs target something that exists and does not pin its own replica count. */
    static List<String> autoscaling(Manifests m) {
        List<String> out = new ArrayList<>();
        for (ObjectNode hpa : m.ofKind("HorizontalPodAutoscaler").toList()) {
            JsonNode ref = hpa.path("spec").path("scaleTargetRef");
            Optional<ObjectNode> target = m.find(ref.path("kind").asText(), ref.path("name").asText());
            String where = Manifests.id(hpa);
            if (target.isEmpty()) {
                out.add(where + ": target " + ref.path("kind").asText() + "/" + ref.path("name").asText() + " does not exist");
            } else if (target.get().path("spec").has("replicas")) {
                out.add(where + ": target " + Manifests.id(target.get()) + " declares replicas, which fights the autoscaler under Argo CD self-heal");
            }
            if (hpa.path("spec").path("minReplicas").asInt(1) > hpa.path("spec").path("maxReplicas").asInt()) {
                out.add(where + ": minReplicas > maxReplicas");
            }
        }
        return out;
    }

    /** Each workload runs as its own ServiceAccount, which carries the IRSA annotation (possibly empty). */
    static List<String> serviceAccounts(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            String sa = w.podSpec().path("serviceAccountName").asText("");
            if (sa.isEmpty() || "default".equals(sa)) {
                out.add(w.id() + ": runs as the default ServiceAccount");
            } else if (m.find("ServiceAccount", sa).isEmpty()) {
                out.add(w.id() + ": ServiceAccount " + sa + " does not exist");
            }
        }
        m.ofKind("ServiceAccount").forEach(sa -> {
            if (!sa.path("metadata").path("annotations").has("eks.amazonaws.com/role-arn")) {
                out.add(Manifests.id(sa) + ": no eks.amazonaws.com/role-arn annotation (IRSA)");
            }
        });
        return out;
    }

    /** The recommended labels on the services' pods. */
    static List<String> labels(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload w : m.workloads()) {
            Map<String, String> labels = w.podLabels();
            if (!labels.containsKey("app.kubernetes.io/name") || !"datapipe".equals(labels.get("app.kubernetes.io/part-of"))) {
                out.add(w.id() + ": pods lack app.kubernetes.io/name or app.kubernetes.io/part-of=datapipe");
            }
            if (!labels.containsKey("app.kubernetes.io/component")) {
                out.add(w.id() + ": pods lack app.kubernetes.io/component");
            }
        }
        return out;
    }

    /** One namespace for everything, the one the rendering declares (when it declares one). */
    static List<String> namespaces(Manifests m) {
        List<String> out = new ArrayList<>();
        List<String> declared = m.ofKind("Namespace").map(Manifests::name).toList();
        if (declared.size() > 1) {
            out.add("several Namespaces: " + declared);
        }
        if (declared.isEmpty()) {
            return out;
        }
        for (ObjectNode o : m.objects) {
            if (!"Namespace".equals(o.path("kind").asText()) && !declared.getFirst().equals(o.path("metadata").path("namespace").asText())) {
                out.add(Manifests.id(o) + ": in namespace '" + o.path("metadata").path("namespace").asText() + "', not " + declared.getFirst());
            }
        }
        return out;
    }
}
