package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.k8s.Manifests.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The edge limits (Envoy Gateway's BackendTrafficPolicy and ClientTrafficPolicy) against the
 * routes they guard and the services behind them. The rule throughout: the edge is a coarse
 * outer bound that is never stricter than the services' own limits, so that a caller within
 * the services' contract is never refused by the proxy. Registered in {@link Policies#ALL}.
 */
final class EdgePolicies {

    static final String GATEWAY_API = "gateway.networking.k8s.io";
    static final String ENVOY_GATEWAY = "gateway.envoyproxy.io/";

    /** The services' defaults (microprofile-config.properties and RateLimits), used where the environment does not set them. */
    static final Map<String, Long> SERVICE_DEFAULTS = Map.of(
            "DATAPIPE_RATELIMIT_USER_CAPACITY", 50L,
            "DATAPIPE_RATELIMIT_USER_PER_SECOND", 20L,
            "DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND", 2000L,
            "DATAPIPE_GENERATOR_MAX_BODY_BYTES", 65536L,
            "DATAPIPE_GENERATOR_BATCH_MAX_BODY_BYTES", 1048576L);
    /**
     * Where the generator's own defaults differ (its microprofile-config.properties): its per-caller bucket counts
     * records, a burst of one full batch. The edge counts requests, of which a caller within that limit sends at
     * most as many.
     */
    static final Map<String, Long> GENERATOR_DEFAULTS = Map.of(
            "DATAPIPE_RATELIMIT_USER_CAPACITY", 500L,
            "DATAPIPE_RATELIMIT_USER_PER_SECOND", 100L);
    /** The services' server.idle-connection-timeout: the proxy must let its connections to them go first. */
    static final Duration SERVICE_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** The generator's idempotency header (IdempotencyKeys.HEADER); each replica replays the answers it gave. */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final Pattern DURATION = Pattern.compile("(\\d+)(h|ms|m|s)");
    private static final Pattern QUANTITY = Pattern.compile("^(\\d+)([KMGTPE]i|[kMGTPE])?$");

    private EdgePolicies() {
    }

    /**
     * Every HTTPRoute is covered by a BackendTrafficPolicy (its own, or its Gateway's) with, for each
     * method it routes: a bucket per distinct Authorization header no stricter than the backing
     * service's per-caller limit, a bucket per client address for IPv4 and IPv6 no stricter than the
     * per-caller one, and a total for the method no stricter than the service-wide rate of all the
     * service's replicas together. The policies target objects that exist.
     */
    static List<String> rateLimits(Manifests m) {
        List<String> out = new ArrayList<>();
        targetsExist(m, "BackendTrafficPolicy", out);
        for (ObjectNode route : m.ofKind("HTTPRoute").toList()) {
            String where = Manifests.id(route);
            Optional<ObjectNode> policy = backendPolicy(m, route);
            List<JsonNode> rules = new ArrayList<>();
            policy.ifPresent(p -> {
                p.at("/spec/rateLimit/local/rules").forEach(rules::add);
                p.at("/spec/rateLimit/global/rules").forEach(rules::add);
            });
            if (rules.isEmpty()) {
                out.add(where + ": no BackendTrafficPolicy with a rate limit targets it or its Gateway");
                continue;
            }
            String by = Manifests.id(policy.get());
            for (JsonNode rule : route.at("/spec/rules")) {
                for (JsonNode match : rule.path("matches")) {
                    String method = match.path("method").asText("");
                    if (method.isEmpty()) {
                        continue; // httpRoute refuses rules without a method
                    }
                    for (JsonNode backend : rule.path("backendRefs")) {
                        Optional<Workload> service = workloadBehind(m, backend.path("name").asText());
                        if (service.isEmpty()) {
                            continue; // httpRoute and serviceWiring report it
                        }
                        checkMethod(m, out, where + " " + method + " (" + by + ")", method, rules, service.get());
                    }
                }
            }
        }
        return out;
    }

    private static void checkMethod(Manifests m, List<String> out, String where, String method, List<JsonNode> rules, Workload service) {
        Map<String, String> env = new java.util.HashMap<>(m.environment(service.containers().getFirst()));
        if ("generator".equals(service.name())) {
            GENERATOR_DEFAULTS.forEach((key, value) -> env.putIfAbsent(key, value.toString()));
        }
        long capacity = setting(env, "DATAPIPE_RATELIMIT_USER_CAPACITY");
        long perSecond = setting(env, "DATAPIPE_RATELIMIT_USER_PER_SECOND");
        long fleet = setting(env, "DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND") * maxReplicas(m, service);
        List<JsonNode> forMethod = rules.stream().filter(r -> appliesTo(r, method)).toList();

        List<JsonNode> perCaller = forMethod.stream().filter(r -> keyedBy(r, EdgePolicies::distinctAuthorization)).toList();
        if (perCaller.isEmpty()) {
            out.add(where + ": no per-caller limit (a bucket per distinct Authorization header)");
        }
        double callerRate = Double.MAX_VALUE;
        for (JsonNode r : perCaller) {
            long bucket = r.at("/limit/requests").asLong();
            callerRate = Math.min(callerRate, rate(r));
            if (bucket < capacity || rate(r) < perSecond) {
                out.add(where + ": per-caller limit " + limitText(r) + " is stricter than " + service.name()
                        + "'s own (burst " + capacity + ", " + perSecond + "/s): callers within the service's limit would get 429 from the proxy");
            }
        }
        for (String everyAddress : List.of("0.0.0.0/0", "::/0")) {
            List<JsonNode> perAddress = forMethod.stream().filter(r -> keyedBy(r, s -> distinctAddresses(s, everyAddress))).toList();
            if (perAddress.isEmpty()) {
                out.add(where + ": no per-client-address limit over " + everyAddress + " (a bucket per address: the only limit on requests without a valid token)");
            }
            for (JsonNode r : perAddress) {
                if (!perCaller.isEmpty() && rate(r) < callerRate) {
                    out.add(where + ": per-client-address limit " + limitText(r) + " over " + everyAddress + " is below the per-caller one");
                }
            }
        }
        List<JsonNode> totals = forMethod.stream().filter(EdgePolicies::isTotal).toList();
        if (totals.isEmpty()) {
            out.add(where + ": no total limit for the method");
        }
        for (JsonNode r : totals) {
            if (rate(r) < fleet) {
                out.add(where + ": total limit " + limitText(r) + " is below the service-wide rate of " + service.name() + "'s replicas ("
                        + fleet + "/s = DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND x HPA maxReplicas)");
            }
        }
    }

    /** Does a rate-limit rule count requests of this method? Every selector that names methods must name it. */
    private static boolean appliesTo(JsonNode rule, String method) {
        for (JsonNode selector : rule.path("clientSelectors")) {
            if (selector.has("methods")) {
                boolean named = false;
                for (JsonNode mm : selector.path("methods")) {
                    named |= method.equals(mm.path("value").asText()) && !mm.path("invert").asBoolean(false);
                }
                if (!named) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Is the rule's bucket keyed by what {@code key} accepts, its other selectors naming methods only? A
     * rule narrowed further (by path, query, another header) counts only some requests and proves nothing.
     */
    private static boolean keyedBy(JsonNode rule, Predicate<JsonNode> key) {
        boolean keyed = false;
        for (JsonNode selector : rule.path("clientSelectors")) {
            if (key.test(selector)) {
                keyed = true;
            } else if (narrows(selector)) {
                return false;
            }
        }
        return keyed;
    }

    /** One bucket for every request of the methods it names (or of all methods). */
    private static boolean isTotal(JsonNode rule) {
        for (JsonNode selector : rule.path("clientSelectors")) {
            if (narrows(selector)) {
                return false;
            }
        }
        return true;
    }

    private static boolean narrows(JsonNode selector) {
        return selector.has("headers") || selector.has("sourceCIDR") || selector.has("path") || selector.has("queryParams");
    }

    private static boolean distinctAuthorization(JsonNode selector) {
        if (selector.has("sourceCIDR") || selector.has("path") || selector.has("queryParams") || selector.path("headers").size() != 1) {
            return false;
        }
        JsonNode header = selector.path("headers").path(0);
        return "authorization".equalsIgnoreCase(header.path("name").asText()) && "Distinct".equals(header.path("type").asText());
    }

    private static boolean distinctAddresses(JsonNode selector, String cidr) {
        if (selector.has("headers") || selector.has("path") || selector.has("queryParams")) {
            return false;
        }
        JsonNode source = selector.path("sourceCIDR");
        return "Distinct".equals(source.path("type").asText()) && cidr.equals(source.path("value").asText()) && !source.path("invert").asBoolean(false);
    }

    /** Requests per second a rule lets through. */
    static double rate(JsonNode rule) {
        long unit = switch (rule.at("/limit/unit").asText()) {
            case "Second" -> 1;
            case "Minute" -> 60;
            case "Hour" -> 3_600;
            case "Day" -> 86_400;
            case "Week" -> 604_800;
            case "Month" -> 2_592_000;
            case "Year" -> 31_536_000;
            default -> throw new IllegalArgumentException("unknown rate-limit unit in " + rule);
        };
        return (double) rule.at("/limit/requests").asLong() / unit;
    }

    private static String limitText(JsonNode rule) {
        return rule.at("/limit/requests").asText() + "/" + rule.at("/limit/unit").asText();
    }

    /**
     * What the proxy does towards the services: every route rule has a request timeout; the
     * route's BackendTrafficPolicy closes idle connections to the services before they do (else a
     * request can be sent on a connection the service is closing: a 503 for nothing); and request
     * bodies buffered at the edge are allowed at least the size the backing service accepts.
     */
    static List<String> upstream(Manifests m) {
        List<String> out = new ArrayList<>();
        for (ObjectNode route : m.ofKind("HTTPRoute").toList()) {
            String where = Manifests.id(route);
            for (JsonNode rule : route.at("/spec/rules")) {
                Optional<Duration> timeout = duration(rule.at("/timeouts/request"));
                if (timeout.isEmpty() || timeout.get().isZero()) {
                    out.add(where + ": rule " + rule.path("matches") + " has no request timeout");
                }
            }
            Optional<ObjectNode> policy = backendPolicy(m, route);
            if (policy.isEmpty()) {
                out.add(where + ": no BackendTrafficPolicy targets it or its Gateway");
                continue;
            }
            String by = Manifests.id(policy.get());
            Optional<Duration> idle = duration(policy.get().at("/spec/timeout/http/connectionIdleTimeout"));
            if (idle.isEmpty() || idle.get().compareTo(SERVICE_IDLE_TIMEOUT) >= 0) {
                out.add(where + " (" + by + "): timeout.http.connectionIdleTimeout must be below the services' idle timeout ("
                        + SERVICE_IDLE_TIMEOUT.toSeconds() + " s), is " + idle.map(d -> d.toMillis() + " ms").orElse("Envoy's default of 1 h"));
            }
            JsonNode buffer = policy.get().at("/spec/requestBuffer/limit");
            for (JsonNode rule : route.at("/spec/rules")) {
                for (JsonNode backend : rule.path("backendRefs")) {
                    Optional<Workload> service = workloadBehind(m, backend.path("name").asText());
                    if (service.isEmpty()) {
                        continue;
                    }
                    Map<String, String> env = m.environment(service.get().containers().getFirst());
                    if (!"generator".equals(service.get().name()) && !env.containsKey("DATAPIPE_GENERATOR_MAX_BODY_BYTES")) {
                        continue; // only the generator takes bodies
                    }
                    if ("generator".equals(service.get().name()) && !hashesOnHeader(policy.get(), IDEMPOTENCY_KEY)) {
                        out.add(where + " (" + by + "): loadBalancer is not a consistent hash on " + IDEMPOTENCY_KEY
                                + ": a retry can reach a generator replica that never saw its key, and the record be stored twice");
                    }
                    long accepted = Math.max(setting(env, "DATAPIPE_GENERATOR_MAX_BODY_BYTES"),
                                             setting(env, "DATAPIPE_GENERATOR_BATCH_MAX_BODY_BYTES"));
                    if (buffer.isMissingNode()) {
                        out.add(where + " (" + by + "): no requestBuffer: request bodies to " + service.get().name() + " are not bounded at the edge");
                    } else if (bytes(buffer) < accepted) {
                        out.add(where + " (" + by + "): requestBuffer.limit " + buffer.asText() + " is below the " + accepted
                                + " bytes " + service.get().name() + " accepts: valid bodies would get 413 from the proxy");
                    }
                }
            }
        }
        return out;
    }

    /** Whether the policy balances by a consistent hash of this request header (Headers, or the deprecated Header). */
    private static boolean hashesOnHeader(JsonNode policy, String header) {
        JsonNode balancer = policy.at("/spec/loadBalancer");
        if (!"ConsistentHash".equals(balancer.path("type").asText())) {
            return false;
        }
        JsonNode hash = balancer.path("consistentHash");
        List<JsonNode> hashed = new ArrayList<>();
        switch (hash.path("type").asText()) {
            case "Headers" -> hash.path("headers").forEach(hashed::add);
            case "Header" -> hashed.add(hash.path("header"));
            default -> {
                return false;
            }
        }
        return hashed.stream().anyMatch(h -> header.equalsIgnoreCase(h.path("name").asText()));
    }

    /**
     * Every Gateway has exactly one ClientTrafficPolicy (Envoy Gateway applies only the oldest of
     * several), with a TLS minimum of 1.2 or 1.3, timeouts for the request headers, for the whole
     * request and for idle connections (Envoy has none, none and 1 h by default), and a connection
     * limit. The header size limit is not among them: Envoy Gateway v1.9 has no field for it, and
     * the vendored schema refuses the later one (Envoy's 60 KiB default applies at the edge).
     */
    static List<String> client(Manifests m) {
        List<String> out = new ArrayList<>();
        targetsExist(m, "ClientTrafficPolicy", out);
        for (ObjectNode gateway : m.ofKind("Gateway").toList()) {
            String where = Manifests.id(gateway);
            List<ObjectNode> policies = targeting(m, "ClientTrafficPolicy", "Gateway", Manifests.name(gateway));
            if (policies.isEmpty()) {
                out.add(where + ": no ClientTrafficPolicy targets it");
                continue;
            }
            if (policies.size() > 1) {
                out.add(where + ": several ClientTrafficPolicies target it " + policies.stream().map(Manifests::id).toList()
                        + "; Envoy Gateway applies only the oldest");
            }
            JsonNode spec = policies.getFirst().path("spec");
            String by = where + " (" + Manifests.id(policies.getFirst()) + ")";
            String tls = spec.at("/tls/minVersion").asText("");
            if (!Set.of("1.2", "1.3").contains(tls)) {
                out.add(by + ": tls.minVersion must be 1.2 or 1.3, is '" + tls + "'");
            }
            Optional<Duration> headers = duration(spec.at("/timeout/http/requestHeadersReceivedTimeout"));
            Optional<Duration> request = duration(spec.at("/timeout/http/requestReceivedTimeout"));
            Optional<Duration> idle = duration(spec.at("/timeout/http/idleTimeout"));
            if (headers.isEmpty() || headers.get().isZero()) {
                out.add(by + ": no timeout.http.requestHeadersReceivedTimeout: headers may trickle in for ever");
            }
            if (request.isEmpty() || request.get().isZero()) {
                out.add(by + ": no timeout.http.requestReceivedTimeout: a slow body holds its connection for ever");
            } else if (headers.isPresent() && headers.get().compareTo(request.get()) > 0) {
                out.add(by + ": the headers' timeout is longer than the whole request's");
            }
            if (idle.isEmpty() || idle.get().isZero() || idle.get().compareTo(Duration.ofMinutes(5)) > 0) {
                out.add(by + ": timeout.http.idleTimeout must be set and at most 5 min (Envoy's default is 1 h)");
            }
            if (spec.at("/connection/connectionLimit/value").asLong(0) <= 0) {
                out.add(by + ": no connection.connectionLimit.value");
            }
        }
        return out;
    }

    /** Edge policies are applied before the routes and Gateways they guard, so that no traffic arrives without them. */
    static List<String> syncWaves(Manifests m) {
        List<String> out = new ArrayList<>();
        for (ObjectNode policy : m.objects) {
            if (!policy.path("apiVersion").asText().startsWith(ENVOY_GATEWAY)) {
                continue;
            }
            for (JsonNode ref : targetRefs(policy)) {
                m.find(ref.path("kind").asText(), ref.path("name").asText()).ifPresent(target -> {
                    if (Manifests.syncWave(policy) >= Manifests.syncWave(target)) {
                        out.add(Manifests.id(policy) + ": sync wave " + Manifests.syncWave(policy) + " is not before " + Manifests.id(target)
                                + "'s (" + Manifests.syncWave(target) + "): traffic would arrive before the limits");
                    }
                });
            }
        }
        return out;
    }

    /** The route's BackendTrafficPolicy: its own if it has one, else its parent Gateway's (Envoy Gateway's precedence). */
    static Optional<ObjectNode> backendPolicy(Manifests m, ObjectNode route) {
        List<ObjectNode> own = targeting(m, "BackendTrafficPolicy", "HTTPRoute", Manifests.name(route));
        if (!own.isEmpty()) {
            return Optional.of(own.getFirst());
        }
        for (JsonNode parent : route.at("/spec/parentRefs")) {
            List<ObjectNode> gateways = targeting(m, "BackendTrafficPolicy", "Gateway", parent.path("name").asText());
            if (!gateways.isEmpty()) {
                return Optional.of(gateways.getFirst());
            }
        }
        return Optional.empty();
    }

    static List<ObjectNode> targeting(Manifests m, String policyKind, String targetKind, String targetName) {
        return m.ofKind(policyKind).filter(p -> p.path("apiVersion").asText().startsWith(ENVOY_GATEWAY))
                .filter(p -> targetRefs(p).stream().anyMatch(r -> GATEWAY_API.equals(r.path("group").asText())
                        && targetKind.equals(r.path("kind").asText()) && targetName.equals(r.path("name").asText())))
                .toList();
    }

    private static List<JsonNode> targetRefs(JsonNode policy) {
        List<JsonNode> refs = new ArrayList<>();
        policy.at("/spec/targetRefs").forEach(refs::add);
        if (policy.at("/spec/targetRef").isObject()) {
            refs.add(policy.at("/spec/targetRef"));
        }
        return refs;
    }

    private static void targetsExist(Manifests m, String policyKind, List<String> out) {
        for (ObjectNode policy : m.ofKind(policyKind).toList()) {
            List<JsonNode> refs = targetRefs(policy);
            if (refs.isEmpty()) {
                out.add(Manifests.id(policy) + ": targets nothing by name");
            }
            for (JsonNode ref : refs) {
                if (m.find(ref.path("kind").asText(), ref.path("name").asText()).isEmpty()) {
                    out.add(Manifests.id(policy) + ": targets " + ref.path("kind").asText() + "/" + ref.path("name").asText() + ", which does not exist");
                }
            }
        }
    }

    /** The pods behind a Service (by its selector), as the workload that makes them. */
    static Optional<Workload> workloadBehind(Manifests m, String serviceName) {
        return m.find("Service", serviceName).flatMap(svc -> m.workloads().stream()
                .filter(w -> m.runsPods(w) && Manifests.selectsMap(svc.path("spec").path("selector"), w.podLabels())).findFirst());
    }

    /** The most replicas a workload can run: its HPA's maxReplicas (on it or on the Rollout that runs it), else its replicas. */
    static long maxReplicas(Manifests m, Workload w) {
        Set<String> scaled = new LinkedHashSet<>();
        scaled.add(w.kind() + "/" + w.name());
        m.rolloutOf(w.object()).ifPresent(r -> scaled.add(Manifests.id(r)));
        for (ObjectNode hpa : m.ofKind("HorizontalPodAutoscaler").toList()) {
            JsonNode ref = hpa.at("/spec/scaleTargetRef");
            if (scaled.contains(ref.path("kind").asText() + "/" + ref.path("name").asText())) {
                return hpa.at("/spec/maxReplicas").asLong(1);
            }
        }
        JsonNode replicas = m.rolloutOf(w.object()).map(r -> r.at("/spec/replicas")).orElse(w.object().at("/spec/replicas"));
        return replicas.asLong(1);
    }

    private static long setting(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null) {
            return SERVICE_DEFAULTS.get(name);
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is not a number: " + value, e);
        }
    }

    /** A Gateway API duration (1h30m, 10s, 500ms); empty when absent. */
    static Optional<Duration> duration(JsonNode node) {
        if (node.isMissingNode() || node.isNull() || node.asText().isEmpty()) {
            return Optional.empty();
        }
        Matcher matcher = DURATION.matcher(node.asText());
        Duration total = Duration.ZERO;
        int end = 0;
        while (matcher.find()) {
            if (matcher.start() != end) {
                throw new IllegalArgumentException("not a duration: " + node.asText());
            }
            long n = Long.parseLong(matcher.group(1));
            total = total.plus(switch (matcher.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                case "s" -> Duration.ofSeconds(n);
                default -> Duration.ofMillis(n);
            });
            end = matcher.end();
        }
        if (end != node.asText().length()) {
            throw new IllegalArgumentException("not a duration: " + node.asText());
        }
        return Optional.of(total);
    }

    /** A byte quantity as the buffer limits take it: 65536, 64Ki, 1Mi, 64k. */
    static long bytes(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        Matcher matcher = QUANTITY.matcher(node.asText());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a byte quantity: " + node.asText());
        }
        long value = Long.parseLong(matcher.group(1));
        String suffix = matcher.group(2);
        if (suffix != null) {
            int exponent = "kMGTPE".indexOf(Character.toString(suffix.charAt(0)).replace("K", "k")) + 1;
            long base = suffix.endsWith("i") ? 1024 : 1000;
            for (int i = 0; i < exponent; i++) {
                value = Math.multiplyExact(value, base);
            }
        }
        return value;
    }
}
