package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.k8s.Manifests.Workload;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each overlay renders, every object validates against its schema, and every policy holds. */
class OverlayTest {

    private static Manifests render(String env) {
        return new Manifests(Kustomize.render(Repo.overlay(env)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void everyObjectMatchesItsSchema(String env) {
        assertThat(SchemaValidator.errors(render(env).objects)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void everyPolicyHolds(String env) {
        assertThat(Policies.check(render(env))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void runsTheThreeServicesInItsOwnNamespace(String env) {
        Manifests m = render(env);
        assertThat(m.ofKind("Namespace").map(Manifests::name)).containsExactly("datapipe-" + env);
        assertThat(m.workloads().stream().filter(Workload::isService).map(Workload::name))
                .containsExactlyInAnyOrder("generator", "persister", "web");
        assertThat(m.ofKind("Rollout").map(Manifests::name)).containsExactlyInAnyOrder("generator", "web");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void imagesComeFromTheEnvironmentsRegistryAtAFixedVersion(String env) {
        for (Workload w : render(env).workloads()) {
            if (w.isService()) {
                assertThat(w.containers().getFirst().path("image").asText())
                        .matches(fromTheRegistryAtAFixedVersion(w.name()));
            }
        }
    }

    /** The pattern of a service's image in the environment's ECR registry, at a fixed version. */
    private static String fromTheRegistryAtAFixedVersion(String service) {
        return "\\d{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/datapipe/" + service + ":\\d+\\.\\d+\\.\\d+([-+][\\w.]+)?";
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void servicesGetTheConfigurationTheyNeed(String env) {
        Manifests m = render(env);
        Map<String, List<String>> required = Map.of(
                "generator", List.of("DATAPIPE_RABBITMQ_HOST", "DATAPIPE_RABBITMQ_USERNAME", "DATAPIPE_RABBITMQ_PASSWORD", "DATAPIPE_EXCHANGE",
                        "DATAPIPE_ROUTING_KEY", "DATAPIPE_JWT_JWKS_URI", "DATAPIPE_JWT_ISSUER", "DATAPIPE_JWT_AUDIENCE", "DATAPIPE_RATELIMIT_ENABLED",
                        "DATAPIPE_RATELIMIT_USER_CAPACITY", "DATAPIPE_RATELIMIT_USER_PER_SECOND", "DATAPIPE_RATELIMIT_GLOBAL_CAPACITY",
                        "DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND"),
                "persister", List.of("DATAPIPE_RABBITMQ_HOST", "DATAPIPE_RABBITMQ_USERNAME", "DATAPIPE_RABBITMQ_PASSWORD", "DATAPIPE_QUEUE",
                        "DATAPIPE_DEAD_LETTER_EXCHANGE", "DATAPIPE_DEAD_LETTER_QUEUE", "DATAPIPE_DB_URL", "DATAPIPE_DB_USER", "DATAPIPE_DB_PASSWORD",
                        "DATAPIPE_DB_POOL_SIZE"),
                "web", List.of("DATAPIPE_DB_URL", "DATAPIPE_DB_USER", "DATAPIPE_DB_PASSWORD", "DATAPIPE_DB_POOL_SIZE",
                        "DATAPIPE_JWT_JWKS_URI", "DATAPIPE_JWT_ISSUER", "DATAPIPE_JWT_AUDIENCE", "DATAPIPE_RATELIMIT_ENABLED",
                        "DATAPIPE_RATELIMIT_USER_CAPACITY", "DATAPIPE_RATELIMIT_USER_PER_SECOND", "DATAPIPE_RATELIMIT_GLOBAL_CAPACITY",
                        "DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND"));
        for (Workload w : m.workloads()) {
            if (!w.isService()) {
                continue;
            }
            Map<String, String> env2 = m.environment(w.containers().getFirst());
            assertThat(env2).as(w.id()).containsKeys(required.get(w.name()).toArray(String[]::new));
            assertThat(env2).as(w.id())
                    .containsEntry("SERVER_PORT", "8080")
                    .containsEntry("OTEL_SERVICE_NAME", w.name())
                    .containsEntry("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector:4318")
                    .containsEntry("OTEL_PROPAGATORS", "tracecontext,baggage,xray")
                    .containsEntry("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=" + env + ",deployment.environment.name=" + env);
            if (env2.containsKey("DATAPIPE_DB_URL")) {
                // The persister owns the schema, but in Kubernetes the release's Job migrates it (migratesOnceAsAJobBeforeThePersister).
                assertThat(env2).as(w.id()).containsEntry("DATAPIPE_DB_MIGRATE", "false");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void migratesOnceAsAJobBeforeThePersister(String env) {
        Manifests m = render(env);
        ObjectNode job = m.find("Job", "persister-migration").orElseThrow();
        Workload persister = m.workloads().stream().filter(w -> w.id().equals("Deployment/persister")).findFirst().orElseThrow();
        JsonNode container = job.at("/spec/template/spec/containers/0");
        assertThat(job.at("/metadata/annotations/argocd.argoproj.io~1hook").asText()).isEqualTo("Sync");
        assertThat(job.at("/metadata/annotations/argocd.argoproj.io~1hook-delete-policy").asText()).isEqualTo("BeforeHookCreation");
        assertThat(Manifests.syncWave(job)).isEqualTo(-1).isLessThan(Manifests.syncWave(persister.object()));
        assertThat(container.path("image").asText()).isEqualTo(persister.containers().getFirst().path("image").asText())
                .matches(fromTheRegistryAtAFixedVersion("persister"));
        assertThat(Yaml.JSON.convertValue(container.path("command"), List.class))
                .containsExactly("/app/launch.sh", "-cp", "/app/service.jar", SchemaMigrationPolicies.MAIN);
        assertThat(m.environment((ObjectNode) container)).containsEntry("DATAPIPE_DB_URL", m.environment(persister.containers().getFirst()).get("DATAPIPE_DB_URL"))
                .containsEntry("OTEL_JAVAAGENT_ENABLED", "false");
        assertThat(m.environment(persister.containers().getFirst())).containsEntry("DATAPIPE_DB_MIGRATE", "false");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void theMigrationReachesPostgresAndDnsOnly(String env) {
        Manifests m = render(env);
        Map<String, String> pod = Manifests.strings(m.find("Job", "persister-migration").orElseThrow().at("/spec/template/metadata/labels"));
        List<ObjectNode> policies = m.ofKind("NetworkPolicy").filter(p -> Manifests.selects(p.at("/spec/podSelector"), pod)).toList();
        assertThat(policies).extracting(Manifests::name).containsExactlyInAnyOrder("default-deny-all", "allow-dns", "persister-migration");
        ObjectNode own = m.find("NetworkPolicy", "persister-migration").orElseThrow();
        assertThat(own.at("/spec/policyTypes").toString()).contains("Ingress").contains("Egress");
        assertThat(own.at("/spec/ingress").isEmpty()).isTrue();
        assertThat(own.at("/spec/egress").findValuesAsText("port")).containsExactly("5432");
        assertThat(m.find("NetworkPolicy", "allow-dns").orElseThrow().at("/spec/egress").findValuesAsText("port")).containsOnly("53");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void stagingAndProductionEncryptTrafficToTheDatabase(String env) {
        // To the broker: BrokerTlsTest.
        Manifests m = render(env);
        for (Workload w : m.workloads()) {
            if (!w.isService()) {
                continue;
            }
            Map<String, String> vars = m.environment(w.containers().getFirst());
            if (vars.containsKey("DATAPIPE_DB_URL")) {
                String url = vars.get("DATAPIPE_DB_URL");
                assertThat(url).as(w.id()).contains("sslmode=verify-full").contains("sslrootcert=/etc/datapipe/db-ca/ca.pem");
                assertThat(w.containers().getFirst().path("volumeMounts").findValuesAsText("mountPath")).as(w.id()).contains("/etc/datapipe/db-ca");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "stg", "prd"})
    void runsOnePostgresExporterAtAPinnedRelease(String env) {
        List<Workload> exporters = DatabaseExporterPolicies.exporters(render(env));
        assertThat(exporters).extracting(Workload::id).containsExactly("Deployment/postgres-exporter");
        String image = exporters.getFirst().containers().getFirst().path("image").asText();
        Matcher release = Pattern.compile(Pattern.quote(DatabaseExporterPolicies.IMAGE) + ":v(\\d+)\\.(\\d+)\\.(\\d+)").matcher(image);
        assertThat(release.matches()).as(image + " is a release tag").isTrue();
        assertThat(Integer.parseInt(release.group(1)) * 1000 + Integer.parseInt(release.group(2))).as(image + " is v0.15 or later").isGreaterThanOrEqualTo(15);
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void stagingAndProductionExporterVerifiesTheDatabaseAndLogsInAsTheMonitoringRole(String env) {
        Manifests m = render(env);
        Workload exporter = DatabaseExporterPolicies.exporters(m).getFirst();
        ObjectNode c = exporter.containers().getFirst();
        assertThat(m.environment(c).get("DATA_SOURCE_URI")).contains("sslmode=verify-full").contains("sslrootcert=/etc/datapipe/db-ca/ca.pem");
        String volume = c.path("volumeMounts").findParents("mountPath").stream()
                .filter(v -> "/etc/datapipe/db-ca".equals(v.path("mountPath").asText())).map(v -> v.path("name").asText()).findFirst().orElseThrow();
        assertThat(exporter.podSpec().path("volumes").findParents("name").stream().filter(v -> volume.equals(v.path("name").asText()))
                .map(v -> v.path("configMap").path("name").asText())).containsExactly("datapipe-db-ca");
        ObjectNode secret = m.find("ExternalSecret", DatabaseExporterPolicies.MONITOR_SECRET).orElseThrow();
        assertThat(secret.path("spec").path("data").findValuesAsText("secretKey")).containsExactlyInAnyOrder("username", "password");
        assertThat(secret.path("spec").path("data").findValuesAsText("key")).containsOnly("datapipe/db/monitor");
    }

    @org.junit.jupiter.api.Test
    void devExporterConnectsAsTheServicesDoWithADevRoleOfItsOwn() {
        Manifests m = render("dev");
        ObjectNode c = DatabaseExporterPolicies.exporters(m).getFirst().containers().getFirst();
        assertThat(m.environment(c).get("DATA_SOURCE_URI")).doesNotContain("sslmode").doesNotContain("sslrootcert");
        assertThat(c.path("volumeMounts").findValuesAsText("mountPath")).doesNotContain("/etc/datapipe/db-ca");
        Map<String, String> usernames = new java.util.HashMap<>();
        m.ofKind("Secret").forEach(s -> usernames.put(Manifests.name(s),
                new String(java.util.Base64.getDecoder().decode(s.path("data").path("username").asText()))));
        assertThat(usernames.get(DatabaseExporterPolicies.MONITOR_SECRET)).isNotBlank()
                .isNotIn(usernames.get("datapipe-db-persister"), usernames.get("datapipe-db-web"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void stagingAndProductionTakeCredentialsFromExternalSecretsOnly(String env) {
        Manifests m = render(env);
        assertThat(m.ofKind("Secret")).isEmpty();
        assertThat(m.ofKind("ExternalSecret").map(e -> e.path("spec").path("secretStoreRef").path("kind").asText())).containsOnly("ClusterSecretStore");
        assertThat(m.ofKind("RabbitmqCluster")).isEmpty();
        m.objects.stream().filter(o -> o.path("apiVersion").asText().startsWith("rabbitmq.com/"))
                .forEach(o -> assertThat(o.path("spec").path("rabbitmqClusterReference").path("connectionSecret").path("name").asText())
                        .as(Manifests.id(o)).isEqualTo("datapipe-rabbitmq-admin"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void stagingAndProductionGateTheCanaryOnAnalysis(String env) {
        render(env).ofKind("Rollout").forEach(r -> assertThat(r.path("spec").path("strategy").path("canary").path("steps").findValues("analysis"))
                .as(Manifests.id(r)).hasSizeGreaterThanOrEqualTo(2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void stagingAndProductionEnforceTheRestrictedPodSecurityStandard(String env) {
        assertThat(render(env).ofKind("Namespace").findFirst().orElseThrow().path("metadata").path("labels").path("pod-security.kubernetes.io/enforce").asText())
                .isEqualTo("restricted");
    }

    @org.junit.jupiter.api.Test
    void devUsesGeneratedObviouslyDevCredentialsAndAnInClusterBroker() {
        Manifests m = render("dev");
        assertThat(m.ofKind("ExternalSecret")).isEmpty();
        assertThat(m.ofKind("RabbitmqCluster")).hasSize(1);
        m.ofKind("Secret").forEach(s -> {
            JsonNode data = s.path("data");
            String password = new String(java.util.Base64.getDecoder().decode(data.path("password").asText()));
            assertThat(password).as(Manifests.id(s)).contains("dev-only");
        });
    }

    @org.junit.jupiter.api.Test
    void productionHasAlarmsAndMoreThanOneOfEverything() {
        Manifests m = render("prd");
        assertThat(m.ofKind("PrometheusRule")).hasSize(1);
        assertThat(m.ofKind("AlertmanagerConfig")).hasSize(1);
        assertThat(m.ofKind("ExternalSecret").map(Manifests::name)).contains("datapipe-alerting-pager", "datapipe-alerting-chat");
        m.ofKind("HorizontalPodAutoscaler").forEach(h -> assertThat(h.path("spec").path("minReplicas").asInt()).as(Manifests.id(h)).isGreaterThanOrEqualTo(3));
        assertThat(m.find("Deployment", "otel-collector").orElseThrow().path("spec").path("replicas").asInt()).isGreaterThanOrEqualTo(2);
    }

    @org.junit.jupiter.api.Test
    void productionAllowsMoreServiceWideThroughputPerReplicaAndTheEdgeFollows() {
        for (String svc : List.of("generator", "web")) {
            Map<String, String> stg = serviceEnvironment(render("stg"), svc);
            Map<String, String> prd = serviceEnvironment(render("prd"), svc);
            assertThat(Long.parseLong(prd.get("DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND"))).as(svc)
                    .isGreaterThan(Long.parseLong(stg.get("DATAPIPE_RATELIMIT_GLOBAL_PER_SECOND")));
            assertThat(prd.get("DATAPIPE_RATELIMIT_USER_CAPACITY")).as(svc + ": a caller's limit is the same everywhere").isEqualTo(stg.get("DATAPIPE_RATELIMIT_USER_CAPACITY"));
        }
    }

    private static Map<String, String> serviceEnvironment(Manifests m, String name) {
        Workload w = m.workloads().stream().filter(x -> x.isService() && x.name().equals(name)).findFirst().orElseThrow();
        return m.environment(w.containers().getFirst());
    }

    @org.junit.jupiter.api.Test
    void theEnvironmentsDifferInHostAndEndpoints() {
        List<String> hosts = java.util.Arrays.stream(Repo.ENVIRONMENTS)
                .map(env -> render(env).find("HTTPRoute", "datapipe").orElseThrow().path("spec").path("hostnames").path(0).asText()).toList();
        assertThat(hosts).doesNotHaveDuplicates();
        List<String> dbs = java.util.Arrays.stream(Repo.ENVIRONMENTS)
                .map(env -> render(env).ofKind("ConfigMap").filter(c -> Manifests.name(c).startsWith("datapipe-postgres"))
                        .findFirst().orElseThrow().path("data").path("DATAPIPE_DB_URL").asText()).toList();
        assertThat(dbs).doesNotHaveDuplicates();
    }
}
