package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The policies can fail: each case breaks one thing in a real rendering (dev or prd) and
 * expects the policy that guards it to say so, naming the culprit.
 */
class PolicyNegativeTest {

    record Breakage(String description, String env, String policy, String expected, Consumer<Manifests> breakIt) {
        @Override
        public String toString() {
            return policy + ": " + description;
        }
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                new Breakage("no readiness probe", "dev", "probes", "Deployment/generator container generator: no readinessProbe",
                        m -> container(m, "Deployment", "generator").remove("readinessProbe")),
                new Breakage("liveness on the wrong path", "prd", "probes", "livenessProbe must GET /health/live",
                        m -> ((ObjectNode) container(m, "Deployment", "web").at("/livenessProbe/httpGet")).put("path", "/")),
                new Breakage("probe on an undeclared port", "dev", "probes", "uses port 'admin'",
                        m -> ((ObjectNode) container(m, "Deployment", "persister").at("/startupProbe/httpGet")).put("port", "admin")),
                new Breakage("no memory limit", "prd", "resources", "Deployment/persister container persister: no memory limits",
                        m -> ((ObjectNode) container(m, "Deployment", "persister").at("/resources/limits")).remove("memory")),
                new Breakage("writable root filesystem", "dev", "securityContext", "Deployment/web container web: readOnlyRootFilesystem is not true",
                        m -> ((ObjectNode) container(m, "Deployment", "web").path("securityContext")).put("readOnlyRootFilesystem", false)),
                new Breakage("no /tmp volume", "dev", "securityContext", "without an emptyDir mounted at /tmp",
                        m -> ((ArrayNode) container(m, "Deployment", "web").path("volumeMounts")).removeAll()),
                new Breakage("privilege escalation allowed", "prd", "securityContext", "allowPrivilegeEscalation is not false",
                        m -> ((ObjectNode) container(m, "Deployment", "generator").path("securityContext")).remove("allowPrivilegeEscalation")),
                new Breakage("capabilities kept", "prd", "securityContext", "capabilities.drop does not contain ALL",
                        m -> ((ObjectNode) container(m, "Deployment", "otel-collector").path("securityContext")).remove("capabilities")),
                new Breakage("root user", "dev", "securityContext", "runAsNonRoot is not true",
                        m -> {
                            ((ObjectNode) container(m, "Deployment", "persister").path("securityContext")).remove("runAsNonRoot");
                            ((ObjectNode) podSpec(m, "Deployment", "persister").path("securityContext")).remove("runAsNonRoot");
                        }),
                new Breakage("no seccomp profile", "dev", "securityContext", "seccompProfile is not RuntimeDefault",
                        m -> {
                            ((ObjectNode) container(m, "Deployment", "web").path("securityContext")).remove("seccompProfile");
                            ((ObjectNode) podSpec(m, "Deployment", "web").path("securityContext")).remove("seccompProfile");
                        }),
                new Breakage("latest tag", "prd", "imageTags", "uses the latest tag",
                        m -> container(m, "Deployment", "web").put("image", "datapipe/web:latest")),
                new Breakage("untagged image", "dev", "imageTags", "has no tag",
                        m -> container(m, "Deployment", "otel-collector").put("image", "otel/opentelemetry-collector-contrib")),
                new Breakage("no PDB", "prd", "disruptionBudgets", "Deployment/persister: no PodDisruptionBudget",
                        m -> remove(m, "PodDisruptionBudget", "persister")),
                new Breakage("no NetworkPolicy of its own", "dev", "networkPolicies", "Deployment/persister: no NetworkPolicy of its own",
                        m -> remove(m, "NetworkPolicy", "persister")),
                new Breakage("no default deny", "prd", "networkPolicies", "no default-deny NetworkPolicy",
                        m -> remove(m, "NetworkPolicy", "default-deny-all")),
                new Breakage("broker unprotected", "dev", "networkPolicies", "RabbitmqCluster/datapipe-rabbitmq: no NetworkPolicy",
                        m -> remove(m, "NetworkPolicy", "datapipe-rabbitmq")),
                new Breakage("egress to any port", "prd", "networkReach", "egress to port 8080 is not allowed",
                        m -> ((ArrayNode) get(m, "NetworkPolicy", "generator").at("/spec/egress")).addObject()
                                .putArray("ports").addObject().put("protocol", "TCP").put("port", 8080)),
                new Breakage("persister reachable from the gateway", "prd", "networkReach", "only Prometheus may reach it",
                        m -> ((ObjectNode) get(m, "NetworkPolicy", "persister").at("/spec/ingress/0/from/0/namespaceSelector/matchLabels"))
                                .put("kubernetes.io/metadata.name", "envoy-gateway-system")),
                new Breakage("open to every source", "dev", "networkReach", "ingress rule open to every source",
                        m -> ((ArrayNode) get(m, "NetworkPolicy", "web").at("/spec/ingress")).addObject()
                                .putArray("ports").addObject().put("port", "http")),
                new Breakage("maxUnavailable 1", "prd", "rolloutStrategy", "Deployment/persister: strategy.rollingUpdate.maxUnavailable is not 0",
                        m -> ((ObjectNode) get(m, "Deployment", "persister").at("/spec/strategy/rollingUpdate")).put("maxUnavailable", 1)),
                new Breakage("no minReadySeconds", "dev", "rolloutStrategy", "Rollout/web: minReadySeconds not set",
                        m -> ((ObjectNode) get(m, "Rollout", "web").path("spec")).remove("minReadySeconds")),
                new Breakage("unknown analysis template", "prd", "rolloutStrategy", "analysis template 'no-such-template' does not exist",
                        m -> ((ObjectNode) get(m, "Rollout", "generator").at("/spec/strategy/canary/steps/2/analysis/templates/0"))
                                .put("templateName", "no-such-template")),
                new Breakage("missing analysis argument", "prd", "rolloutStrategy", "needs argument 'canary-hash'",
                        m -> ((ArrayNode) get(m, "Rollout", "web").at("/spec/strategy/canary/steps/2/analysis/args")).remove(2)),
                new Breakage("template Deployment scaled up", "dev", "rolloutStrategy", "must declare replicas: 0",
                        m -> ((ObjectNode) get(m, "Deployment", "web").path("spec")).put("replicas", 2)),
                new Breakage("short grace period for the batch", "prd", "gracefulShutdown", "Deployment/persister: terminationGracePeriodSeconds 30 < 45",
                        m -> podSpec(m, "Deployment", "persister").put("terminationGracePeriodSeconds", 30)),
                new Breakage("no preStop", "dev", "gracefulShutdown", "no preStop pause",
                        m -> container(m, "Deployment", "generator").remove("lifecycle")),
                new Breakage("POST routed to web", "prd", "httpRoute", "POST /data must go to generator only",
                        m -> ((ObjectNode) get(m, "HTTPRoute", "datapipe").at("/spec/rules/0/backendRefs/0")).put("name", "web")),
                new Breakage("console not routed", "stg", "httpRoute", "GET / (the web console) must go to web only, goes to: []",
                        m -> ((ArrayNode) get(m, "HTTPRoute", "datapipe").at("/spec/rules")).remove(2)),
                new Breakage("method match dropped", "dev", "httpRoute", "a /data rule matches every method",
                        m -> ((ObjectNode) get(m, "HTTPRoute", "datapipe").at("/spec/rules/1/matches/0")).remove("method")),
                new Breakage("route on another host", "prd", "httpRoute", "no hostname of the route matches listener https",
                        m -> ((ArrayNode) get(m, "HTTPRoute", "datapipe").at("/spec/hostnames")).set(0, "other.example.com")),
                new Breakage("backend port that the Service lacks", "dev", "httpRoute", "Service generator has no port 80",
                        m -> ((ObjectNode) get(m, "HTTPRoute", "datapipe").at("/spec/rules/0/backendRefs/0")).put("port", 80)),
                new Breakage("route without a traffic policy", "prd", "edgeRateLimits", "HTTPRoute/datapipe: no BackendTrafficPolicy with a rate limit",
                        m -> remove(m, "BackendTrafficPolicy", "datapipe")),
                new Breakage("policy on a route that does not exist", "dev", "edgeRateLimits", "targets HTTPRoute/datapipe-v2, which does not exist",
                        m -> ((ObjectNode) get(m, "BackendTrafficPolicy", "datapipe").at("/spec/targetRefs/0")).put("name", "datapipe-v2")),
                new Breakage("per-caller limit below the service's burst", "dev", "edgeRateLimits",
                        "HTTPRoute/datapipe POST (BackendTrafficPolicy/datapipe): per-caller limit 20/Second is stricter than generator's own (burst 500, 100/s)",
                        m -> ((ObjectNode) rateLimitRule(m, 0).path("limit")).put("requests", 20)),
                new Breakage("service's burst raised, the edge left behind", "stg", "edgeRateLimits", "per-caller limit 50/Second is stricter than web's own (burst 100",
                        m -> configMap(m, "web-config").put("DATAPIPE_RATELIMIT_USER_CAPACITY", "100")),
                new Breakage("per-caller bucket keyed on another header", "prd", "edgeRateLimits", "GET (BackendTrafficPolicy/datapipe): no per-caller limit",
                        m -> ((ObjectNode) rateLimitRule(m, 4).at("/clientSelectors/0/headers/0")).put("name", "X-Api-Key")),
                new Breakage("no IPv6 per-address bucket", "prd", "edgeRateLimits", "POST (BackendTrafficPolicy/datapipe): no per-client-address limit over ::/0",
                        m -> rateLimitRules(m).remove(2)),
                new Breakage("per-address limit below the per-caller one", "dev", "edgeRateLimits", "per-client-address limit 10/Second over 0.0.0.0/0 is below the per-caller one",
                        m -> ((ObjectNode) rateLimitRule(m, 5).path("limit")).put("requests", 10)),
                new Breakage("service-wide rate raised, the edge total left behind", "prd", "edgeRateLimits",
                        "GET (BackendTrafficPolicy/datapipe): total limit 48000/Second is below the service-wide rate of web's replicas (96000/s",
                        m -> configMap(m, "web-config").put("DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND", "8000")),
                new Breakage("no total for a method", "stg", "edgeRateLimits", "POST (BackendTrafficPolicy/datapipe): no total limit for the method",
                        m -> rateLimitRules(m).remove(3)),
                new Breakage("upstream idle timeout as long as the services'", "prd", "edgeUpstream", "connectionIdleTimeout must be below the services' idle timeout (60 s), is 60000 ms",
                        m -> ((ObjectNode) get(m, "BackendTrafficPolicy", "datapipe").at("/spec/timeout/http")).put("connectionIdleTimeout", "1m")),
                new Breakage("no upstream idle timeout", "dev", "edgeUpstream", "is Envoy's default of 1 h",
                        m -> ((ObjectNode) get(m, "BackendTrafficPolicy", "datapipe").path("spec")).remove("timeout")),
                new Breakage("generator accepts larger bodies than the edge buffers", "stg", "edgeUpstream",
                        "requestBuffer.limit 1Mi is below the 2097152 bytes generator accepts",
                        m -> configMap(m, "generator-config").put("DATAPIPE_GENERATOR_BATCH_MAX_BODY_BYTES", "2097152")),
                new Breakage("generator replicas balanced without the idempotency key", "prd", "edgeUpstream",
                        "loadBalancer is not a consistent hash on Idempotency-Key",
                        m -> ((ObjectNode) get(m, "BackendTrafficPolicy", "datapipe").path("spec")).remove("loadBalancer")),
                new Breakage("consistent hash on another header", "dev", "edgeUpstream",
                        "loadBalancer is not a consistent hash on Idempotency-Key",
                        m -> ((ObjectNode) get(m, "BackendTrafficPolicy", "datapipe").at("/spec/loadBalancer/consistentHash/headers/0"))
                                .put("name", "X-Request-Id")),
                new Breakage("no request buffer", "prd", "edgeUpstream", "no requestBuffer: request bodies to generator are not bounded",
                        m -> ((ObjectNode) get(m, "BackendTrafficPolicy", "datapipe").path("spec")).remove("requestBuffer")),
                new Breakage("route rule without a request timeout", "dev", "edgeUpstream", "has no request timeout",
                        m -> ((ObjectNode) get(m, "HTTPRoute", "datapipe").at("/spec/rules/1")).remove("timeouts")),
                new Breakage("Gateway without a client policy", "prd", "edgeClient", "Gateway/datapipe: no ClientTrafficPolicy targets it",
                        m -> remove(m, "ClientTrafficPolicy", "datapipe")),
                new Breakage("client policy on another Gateway", "stg", "edgeClient", "targets Gateway/datapipe-old, which does not exist",
                        m -> ((ObjectNode) get(m, "ClientTrafficPolicy", "datapipe").at("/spec/targetRefs/0")).put("name", "datapipe-old")),
                new Breakage("TLS 1.1 allowed", "prd", "edgeClient", "tls.minVersion must be 1.2 or 1.3, is '1.1'",
                        m -> ((ObjectNode) get(m, "ClientTrafficPolicy", "datapipe").at("/spec/tls")).put("minVersion", "1.1")),
                new Breakage("no whole-request timeout", "dev", "edgeClient", "no timeout.http.requestReceivedTimeout",
                        m -> ((ObjectNode) get(m, "ClientTrafficPolicy", "datapipe").at("/spec/timeout/http")).remove("requestReceivedTimeout")),
                new Breakage("no header timeout", "stg", "edgeClient", "no timeout.http.requestHeadersReceivedTimeout",
                        m -> ((ObjectNode) get(m, "ClientTrafficPolicy", "datapipe").at("/spec/timeout/http")).remove("requestHeadersReceivedTimeout")),
                new Breakage("idle connections kept an hour", "prd", "edgeClient", "timeout.http.idleTimeout must be set and at most 5 min",
                        m -> ((ObjectNode) get(m, "ClientTrafficPolicy", "datapipe").at("/spec/timeout/http")).put("idleTimeout", "1h")),
                new Breakage("no connection limit", "dev", "edgeClient", "no connection.connectionLimit.value",
                        m -> ((ObjectNode) get(m, "ClientTrafficPolicy", "datapipe").path("spec")).remove("connection")),
                new Breakage("targetPort names no container port", "prd", "serviceWiring", "targetPort https is not a port of Deployment/web",
                        m -> ((ObjectNode) get(m, "Service", "web").at("/spec/ports/0")).put("targetPort", "https")),
                new Breakage("selector matches nothing", "dev", "serviceWiring", "Service/persister: selector",
                        m -> ((ObjectNode) get(m, "Service", "persister").at("/spec/selector")).put("app.kubernetes.io/name", "persistor")),
                new Breakage("scraping the wrong path", "prd", "serviceMonitors", "no ServiceMonitor scrapes Service/generator",
                        m -> ((ObjectNode) get(m, "ServiceMonitor", "generator").at("/spec/endpoints/0")).put("path", "/metric")),
                new Breakage("traces not sent to X-Ray", "dev", "collector", "does not export to awsxray",
                        m -> setCollectorConfig(m, c -> c.replace("exporters: [awsxray]", "exporters: [debug]\n      # broken"))),
                new Breakage("memory_limiter not first", "prd", "collector", "memory_limiter must be the first processor",
                        m -> setCollectorConfig(m, c -> c.replace("processors: [memory_limiter, batch]", "processors: [batch, memory_limiter]"))),
                new Breakage("region hard-coded", "prd", "collector", "awsxray.region must come from ${env:AWS_REGION}",
                        m -> setCollectorConfig(m, c -> c.replace("region: ${env:AWS_REGION}", "region: us-east-1"))),
                new Breakage("region missing", "stg", "collectorRegion", "AWS_REGION is not configured",
                        m -> m.objects.stream().filter(o -> Manifests.name(o).startsWith("otel-collector-env"))
                                .forEach(o -> ((ObjectNode) o.path("data")).remove("AWS_REGION"))),
                new Breakage("exporter logged in as a service", "prd", "dbExporter", "reads Secret datapipe-db-web, which Deployment/web uses",
                        m -> ((ObjectNode) exporterEnv(m, "DATA_SOURCE_PASS").at("/valueFrom/secretKeyRef")).put("name", "datapipe-db-web")),
                new Breakage("credentials that override the monitoring role's", "stg", "dbExporter", "DATA_SOURCE_NAME overrides DATA_SOURCE_URI",
                        m -> ((ArrayNode) container(m, "Deployment", "postgres-exporter").path("env")).addObject()
                                .put("name", "DATA_SOURCE_NAME").put("value", "postgresql://datapipe_dev_owner:dev-only-not-a-secret@postgres:5432/datapipe")),
                new Breakage("a second exporter", "dev", "dbExporter", "2 workloads run quay.io/prometheuscommunity/postgres-exporter",
                        m -> {
                            ObjectNode copy = get(m, "Deployment", "postgres-exporter").deepCopy();
                            ((ObjectNode) copy.path("metadata")).put("name", "postgres-exporter-2");
                            m.objects.add(copy);
                        }),
                new Breakage("exporter watching another database", "stg", "dbExporter", "another database, or other TLS settings",
                        m -> configMap(m, "datapipe-postgres").put("DATA_SOURCE_URI", "datapipe-old.cluster-example.eu-west-1.rds.amazonaws.com:5432/datapipe")),
                new Breakage("exporter without the CA it verifies against", "prd", "dbExporter",
                        "sslrootcert /etc/datapipe/db-ca/ca.pem is not in a ConfigMap volume mounted into the container",
                        m -> {
                            ArrayNode mounts = (ArrayNode) container(m, "Deployment", "postgres-exporter").path("volumeMounts");
                            for (int i = mounts.size() - 1; i >= 0; i--) {
                                if ("/etc/datapipe/db-ca".equals(mounts.path(i).path("mountPath").asText())) {
                                    mounts.remove(i);
                                }
                            }
                        }),
                new Breakage("a JDBC-only parameter passed on to the exporter", "dev", "dbExporter", "parameter 'ApplicationName' is not one",
                        m -> {
                            ObjectNode data = configMap(m, "datapipe-postgres");
                            data.put("DATAPIPE_DB_URL", data.path("DATAPIPE_DB_URL").asText() + "?ApplicationName=datapipe");
                            data.put("DATA_SOURCE_URI", data.path("DATA_SOURCE_URI").asText() + "?ApplicationName=datapipe");
                        }),
                new Breakage("exporter reachable from the gateway", "prd", "dbExporterNetwork", "only Prometheus may reach the exporter",
                        m -> ((ObjectNode) get(m, "NetworkPolicy", "postgres-exporter").at("/spec/ingress/0/from/0/namespaceSelector/matchLabels"))
                                .put("kubernetes.io/metadata.name", "envoy-gateway-system")),
                new Breakage("exporter reaching HTTPS", "dev", "dbExporterNetwork", "egress to port 443; the exporter may reach PostgreSQL (5432) and DNS only",
                        m -> ((ArrayNode) get(m, "NetworkPolicy", "postgres-exporter").at("/spec/egress")).addObject()
                                .putArray("ports").addObject().put("protocol", "TCP").put("port", 443)),
                new Breakage("scrape port closed", "stg", "dbExporterNetwork", "no NetworkPolicy admits Prometheus on port 9187",
                        m -> ((ObjectNode) get(m, "NetworkPolicy", "postgres-exporter").at("/spec/ingress/0/ports/0")).put("port", 8080)),
                new Breakage("exporter scraped on the wrong port", "prd", "dbExporterScraping", "no ServiceMonitor selects a Service of it and scrapes port 9187",
                        m -> ((ObjectNode) get(m, "ServiceMonitor", "postgres-exporter").at("/spec/endpoints/0")).put("port", "http")),
                new Breakage("exporter without a Service", "dev", "dbExporterScraping", "no Service selects its pods",
                        m -> remove(m, "Service", "postgres-exporter")),
                new Breakage("persister migrating as well as the Job", "dev", "schemaMigration", "Deployment/persister: DATAPIPE_DB_MIGRATE=true, yet Job/persister-migration",
                        m -> configMap(m, "persister-config").put("DATAPIPE_DB_MIGRATE", "true")),
                new Breakage("nothing migrates", "stg", "schemaMigration", "nothing migrates the schema",
                        m -> remove(m, "Job", "persister-migration")),
                new Breakage("migration of another image", "prd", "schemaMigration", "is not Deployment/persister's",
                        m -> container(m, "Job", "persister-migration").put("image", "datapipe/persister:0.0.9")),
                new Breakage("migration logged in as another role", "stg", "schemaMigration", "DATAPIPE_DB_USER must come from the Secret key",
                        m -> ((ObjectNode) container(m, "Job", "persister-migration").at("/env/1/valueFrom/secretKeyRef")).put("name", "datapipe-db-web")),
                new Breakage("PreSync hook", "prd", "schemaMigration", "a PreSync hook runs before",
                        m -> annotations(get(m, "Job", "persister-migration")).put("argocd.argoproj.io/hook", "PreSync")),
                new Breakage("Job kept between syncs", "dev", "schemaMigration", "hook-delete-policy lacks BeforeHookCreation",
                        m -> annotations(get(m, "Job", "persister-migration")).put("argocd.argoproj.io/hook-delete-policy", "HookSucceeded")),
                new Breakage("migration in the persister's wave", "stg", "schemaMigration", "is not before Deployment/persister's (0)",
                        m -> annotations(get(m, "Job", "persister-migration")).put("argocd.argoproj.io/sync-wave", "0")),
                new Breakage("migration before its login exists", "prd", "schemaMigration", "is not after ExternalSecret/datapipe-db-persister's (-3)",
                        m -> annotations(get(m, "Job", "persister-migration")).put("argocd.argoproj.io/sync-wave", "-3")),
                new Breakage("migration without a deadline", "dev", "schemaMigration", "Job/persister-migration: no activeDeadlineSeconds",
                        m -> ((ObjectNode) get(m, "Job", "persister-migration").path("spec")).remove("activeDeadlineSeconds")),
                new Breakage("migration reaching the broker", "prd", "schemaMigrationNetwork", "egress to port 5672; the migration may reach PostgreSQL (5432) and DNS only",
                        m -> ((ArrayNode) get(m, "NetworkPolicy", "persister-migration").at("/spec/egress")).addObject()
                                .putArray("ports").addObject().put("protocol", "TCP").put("port", 5672)),
                new Breakage("migration cut off from the database", "dev", "schemaMigrationNetwork", "no NetworkPolicy of its own lets it reach PostgreSQL",
                        m -> remove(m, "NetworkPolicy", "persister-migration")),
                new Breakage("migration callable", "stg", "schemaMigrationNetwork", "ingress allowed; nothing calls the migration",
                        m -> ((ObjectNode) get(m, "NetworkPolicy", "persister-migration").path("spec")).putArray("ingress").addObject()
                                .putArray("from").addObject().putObject("namespaceSelector").putObject("matchLabels")
                                .put("kubernetes.io/metadata.name", "monitoring")),
                new Breakage("config after the services", "dev", "syncWaves", "is not before the services'",
                        m -> annotations(m.ofKind("ConfigMap").findFirst().orElseThrow()).put("argocd.argoproj.io/sync-wave", "3")),
                new Breakage("route before the services", "prd", "syncWaves", "HTTPRoute/datapipe: sync wave 0 is not after",
                        m -> annotations(get(m, "HTTPRoute", "datapipe")).remove("argocd.argoproj.io/sync-wave")),
                new Breakage("limits after the route", "stg", "syncWaves", "BackendTrafficPolicy/datapipe: sync wave 1 is not before HTTPRoute/datapipe's (1)",
                        m -> annotations(get(m, "BackendTrafficPolicy", "datapipe")).put("argocd.argoproj.io/sync-wave", "1")),
                new Breakage("secret that nothing makes", "prd", "references", "Secret datapipe-db-web is neither",
                        m -> remove(m, "ExternalSecret", "datapipe-db-web")),
                new Breakage("pager key that nothing makes", "prd", "references", "AlertmanagerConfig/datapipe: Secret datapipe-alerting-pager is neither",
                        m -> remove(m, "ExternalSecret", "datapipe-alerting-pager")),
                new Breakage("ConfigMap key that does not exist", "dev", "references", "has no key AWS_REGION",
                        m -> m.objects.stream().filter(o -> Manifests.name(o).startsWith("otel-collector-env"))
                                .forEach(o -> ((ObjectNode) o.path("data")).remove("AWS_REGION"))),
                new Breakage("topology on a cluster that is not there", "dev", "references", "RabbitmqCluster datapipe-rabbitmq does not exist",
                        m -> m.objects.removeIf(o -> "RabbitmqCluster".equals(o.path("kind").asText()))),
                new Breakage("replicas pinned under an HPA", "prd", "autoscaling", "declares replicas, which fights the autoscaler",
                        m -> ((ObjectNode) get(m, "Rollout", "generator").path("spec")).put("replicas", 3)),
                new Breakage("HPA on nothing", "dev", "autoscaling", "target Deployment/persistor does not exist",
                        m -> ((ObjectNode) get(m, "HorizontalPodAutoscaler", "persister").at("/spec/scaleTargetRef")).put("name", "persistor")),
                new Breakage("no IRSA annotation", "prd", "serviceAccounts", "ServiceAccount/web: no eks.amazonaws.com/role-arn",
                        m -> annotations(get(m, "ServiceAccount", "web")).remove("eks.amazonaws.com/role-arn")),
                new Breakage("default ServiceAccount", "dev", "serviceAccounts", "runs as the default ServiceAccount",
                        m -> podSpec(m, "Deployment", "web").remove("serviceAccountName")),
                new Breakage("part-of label missing", "prd", "labels", "Deployment/web: pods lack",
                        m -> ((ObjectNode) get(m, "Deployment", "web").at("/spec/template/metadata/labels")).remove("app.kubernetes.io/part-of")),
                new Breakage("object in another namespace", "stg", "namespaces", "in namespace 'default'",
                        m -> ((ObjectNode) get(m, "Service", "web").path("metadata")).put("namespace", "default"))
        ).map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void theGuardingPolicyReportsIt(Breakage b) {
        Manifests m = new Manifests(new java.util.ArrayList<>(Kustomize.render(Repo.overlay(b.env()))));
        assertThat(Policies.ALL.get(b.policy()).apply(m)).as("before breaking").isEmpty();
        b.breakIt().accept(m);
        assertThat(Policies.ALL.get(b.policy()).apply(m)).anySatisfy(v -> assertThat(v).contains(b.expected()));
    }

    @Test
    void everyPolicyHasAtLeastOneBreakage() {
        List<String> covered = breakages().map(a -> ((Breakage) a.get()[0]).policy()).distinct().toList();
        assertThat(covered).containsExactlyInAnyOrderElementsOf(Policies.ALL.keySet());
    }

    static ObjectNode get(Manifests m, String kind, String name) {
        return m.find(kind, name).orElseThrow(() -> new AssertionError(kind + "/" + name + " not rendered"));
    }

    static ObjectNode podSpec(Manifests m, String kind, String name) {
        return (ObjectNode) get(m, kind, name).at("/spec/template/spec");
    }

    static ObjectNode container(Manifests m, String kind, String name) {
        return (ObjectNode) podSpec(m, kind, name).path("containers").path(0);
    }

    static ObjectNode annotations(JsonNode o) {
        return ((ObjectNode) o.path("metadata")).withObject("/annotations");
    }

    static void remove(Manifests m, String kind, String name) {
        assertThat(m.objects.remove(get(m, kind, name))).isTrue();
    }

    /** An env entry of the exporter's container. */
    static ObjectNode exporterEnv(Manifests m, String name) {
        for (JsonNode e : container(m, "Deployment", "postgres-exporter").path("env")) {
            if (name.equals(e.path("name").asText())) {
                return (ObjectNode) e;
            }
        }
        throw new AssertionError("postgres-exporter has no env " + name);
    }

    static ArrayNode rateLimitRules(Manifests m) {
        return (ArrayNode) get(m, "BackendTrafficPolicy", "datapipe").at("/spec/rateLimit/local/rules");
    }

    static ObjectNode rateLimitRule(Manifests m, int index) {
        return (ObjectNode) rateLimitRules(m).path(index);
    }

    /** The data of a (hash-suffixed) generated ConfigMap. */
    static ObjectNode configMap(Manifests m, String name) {
        return (ObjectNode) m.ofKind("ConfigMap").filter(o -> Manifests.name(o).matches(java.util.regex.Pattern.quote(name) + "(-[a-z0-9]{10})?"))
                .findFirst().orElseThrow(() -> new AssertionError("ConfigMap " + name + " not rendered")).path("data");
    }

    static void setCollectorConfig(Manifests m, java.util.function.UnaryOperator<String> change) {
        ObjectNode cm = m.ofKind("ConfigMap").filter(o -> Manifests.name(o).startsWith("otel-collector-config")).findFirst().orElseThrow();
        String before = cm.path("data").path("config.yaml").asText();
        String after = change.apply(before);
        assertThat(after).as("the breakage must change the config").isNotEqualTo(before);
        ((ObjectNode) cm.path("data")).put("config.yaml", after);
    }
}
