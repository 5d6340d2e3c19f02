package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.datapipe.k8s.Manifests.Workload;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The schema's migrations (k8s/base/persister/migration-job.yaml): exactly one thing migrates, either
 * a Job per release or the persister at start-up. The Job runs the persister's image against the
 * persister's database with the persister's login, as an Argo CD Sync hook that is re-created at each
 * sync, after the objects it needs and before the persister; its pods reach PostgreSQL and DNS only.
 * Registered in {@link Policies#ALL}.
 */
final class SchemaMigrationPolicies {

    /** The class the Job runs (libs/record-store): migrates, then exits. */
    static final String MAIN = "io.datapipe.store.SchemaMigration";
    /** The service that owns the schema. */
    static final String OWNER = "persister";
    /** Ports the Job may open connections to: PostgreSQL and DNS. */
    static final Set<Integer> ALLOWED_EGRESS_PORTS = Set.of(5432, 53);

    private SchemaMigrationPolicies() {
    }

    /** The workloads that run {@link #MAIN}. */
    static List<Workload> jobs(Manifests m) {
        return m.workloads().stream().filter(w -> container(w).isPresent()).toList();
    }

    /** The container that runs {@link #MAIN}, if the workload has one. */
    static Optional<ObjectNode> container(Workload w) {
        return w.containers().stream().filter(c -> {
            List<String> arguments = new ArrayList<>();
            c.path("command").forEach(arg -> arguments.add(arg.asText()));
            c.path("args").forEach(arg -> arguments.add(arg.asText()));
            return arguments.contains(MAIN);
        }).findFirst();
    }

    /**
     * One migrates: a Job, and then the persister starts with DATAPIPE_DB_MIGRATE=false, or none, and
     * then the persister migrates at start-up. The Job: the persister's image, DATAPIPE_DB_URL and login
     * Secret; an Argo CD Sync hook (a PreSync hook runs before the hash-named ConfigMap and the Secret
     * it reads are applied) deleted before it is created again (its pod template cannot change), in a
     * sync wave after its ServiceAccount, ConfigMaps, Secrets and NetworkPolicies and before the
     * persister; never restarted in place, with a bounded number of attempts, a deadline and a
     * time to live.
     */
    static List<String> job(Manifests m) {
        Optional<Workload> owner = m.workloads().stream().filter(w -> w.isService() && OWNER.equals(w.name())).findFirst();
        if (owner.isEmpty()) {
            return List.of("no " + OWNER + " workload: nothing owns the schema");
        }
        ObjectNode ownerContainer = owner.get().containers().getFirst();
        Map<String, String> ownerEnv = m.environment(ownerContainer);
        boolean ownerMigrates = Boolean.parseBoolean(ownerEnv.get("DATAPIPE_DB_MIGRATE"));
        List<Workload> jobs = jobs(m);
        List<String> out = new ArrayList<>();
        if (jobs.isEmpty()) {
            if (!ownerMigrates) {
                out.add("nothing migrates the schema: no Job runs " + MAIN + " and " + owner.get().id() + " has DATAPIPE_DB_MIGRATE="
                        + ownerEnv.get("DATAPIPE_DB_MIGRATE"));
            }
            return out;
        }
        if (jobs.size() > 1) {
            out.add(jobs.size() + " workloads run " + MAIN + ", expected one: " + jobs.stream().map(Workload::id).toList());
        }
        if (ownerMigrates) {
            out.add(owner.get().id() + ": DATAPIPE_DB_MIGRATE=true, yet " + jobs.getFirst().id() + " migrates the schema:"
                    + " new pods would migrate before the Job, or without it");
        }
        for (Workload job : jobs) {
            ObjectNode c = container(job).orElseThrow();
            String where = job.id() + " container " + c.path("name").asText();
            if (!"Job".equals(job.kind())) {
                out.add(job.id() + ": " + MAIN + " runs once per release, as a Job");
            }
            if (!c.path("image").asText().equals(ownerContainer.path("image").asText())) {
                out.add(where + ": image " + c.path("image").asText() + " is not " + owner.get().id() + "'s " + ownerContainer.path("image").asText()
                        + " (its migrations are the ones the pods need)");
            }
            Map<String, String> env = m.environment(c);
            if (!java.util.Objects.equals(env.get("DATAPIPE_DB_URL"), ownerEnv.get("DATAPIPE_DB_URL"))) {
                out.add(where + ": DATAPIPE_DB_URL " + env.get("DATAPIPE_DB_URL") + " is not " + owner.get().id() + "'s " + ownerEnv.get("DATAPIPE_DB_URL"));
            }
            for (String login : List.of("DATAPIPE_DB_USER", "DATAPIPE_DB_PASSWORD")) {
                JsonNode ref = secretRef(c, login);
                if (ref.isMissingNode() || !ref.equals(secretRef(ownerContainer, login))) {
                    out.add(where + ": " + login + " must come from the Secret key " + owner.get().id() + " reads it from, "
                            + secretRef(ownerContainer, login) + ", not " + ref);
                }
            }
            hook(m, job, owner.get(), out);
            JsonNode spec = job.object().path("spec");
            if (!"Never".equals(job.podSpec().path("restartPolicy").asText())) {
                out.add(job.id() + ": restartPolicy must be Never (a failed attempt is a new pod, its logs kept), is "
                        + job.podSpec().path("restartPolicy").asText("unset"));
            }
            for (String bound : List.of("backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished")) {
                if (!spec.path(bound).canConvertToInt()) {
                    out.add(job.id() + ": no " + bound);
                }
            }
        }
        return out;
    }

    /** The Argo CD hook: Sync, re-created at each sync, after what the Job needs and before the owner. */
    private static void hook(Manifests m, Workload job, Workload owner, List<String> out) {
        JsonNode annotations = job.object().path("metadata").path("annotations");
        String hook = annotations.path("argocd.argoproj.io/hook").asText("");
        if ("PreSync".equals(hook)) {
            out.add(job.id() + ": a PreSync hook runs before the ConfigMaps, Secrets, ServiceAccount and NetworkPolicy it needs are"
                    + " applied; it must be a Sync hook in a wave after theirs");
        } else if (!"Sync".equals(hook)) {
            out.add(job.id() + ": not an Argo CD Sync hook (argocd.argoproj.io/hook is '" + hook + "'): it would run at every sync only if"
                    + " its pod template changed, and fail to apply when it did");
        }
        if (!List.of(annotations.path("argocd.argoproj.io/hook-delete-policy").asText("").split(",")).contains("BeforeHookCreation")) {
            out.add(job.id() + ": hook-delete-policy lacks BeforeHookCreation: the next sync cannot create the Job while the last one exists");
        }
        int wave = Manifests.syncWave(job.object());
        List<ObjectNode> needs = new ArrayList<>();
        m.find("ServiceAccount", job.podSpec().path("serviceAccountName").asText()).ifPresent(needs::add);
        m.ofKind("NetworkPolicy").filter(p -> !p.path("spec").path("podSelector").isEmpty()
                && Manifests.selects(p.path("spec").path("podSelector"), job.podLabels())).forEach(needs::add);
        for (ObjectNode c : job.containers()) {
            c.findValues("configMapKeyRef").forEach(ref -> m.find("ConfigMap", ref.path("name").asText()).ifPresent(needs::add));
            c.findValues("configMapRef").forEach(ref -> m.find("ConfigMap", ref.path("name").asText()).ifPresent(needs::add));
            c.findValues("secretKeyRef").forEach(ref -> secretMaker(m, ref.path("name").asText()).ifPresent(needs::add));
        }
        job.podSpec().path("volumes").forEach(v -> m.find("ConfigMap", v.path("configMap").path("name").asText()).ifPresent(needs::add));
        for (ObjectNode need : needs) {
            if (Manifests.syncWave(need) >= wave) {
                out.add(job.id() + ": sync wave " + wave + " is not after " + Manifests.id(need) + "'s (" + Manifests.syncWave(need) + "), which it needs");
            }
        }
        List<ObjectNode> ownerObjects = new ArrayList<>(List.of(owner.object()));
        m.rolloutOf(owner.object()).ifPresent(ownerObjects::add);
        for (ObjectNode o : ownerObjects) {
            if (Manifests.syncWave(o) <= wave) {
                out.add(job.id() + ": sync wave " + wave + " is not before " + Manifests.id(o) + "'s (" + Manifests.syncWave(o) + ")");
            }
        }
    }

    /** The Secret of that name, or the ExternalSecret that makes it. */
    private static Optional<ObjectNode> secretMaker(Manifests m, String name) {
        return m.find("Secret", name).or(() -> m.ofKind("ExternalSecret")
                .filter(e -> name.equals(e.path("spec").path("target").path("name").asText(Manifests.name(e)))).findFirst());
    }

    private static JsonNode secretRef(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e.path("valueFrom").path("secretKeyRef");
            }
        }
        return Yaml.JSON.missingNode();
    }

    /** The Job's pods: no ingress; egress to PostgreSQL (5432), and DNS, only; PostgreSQL allowed by a policy of its own. */
    static List<String> network(Manifests m) {
        List<String> out = new ArrayList<>();
        for (Workload job : jobs(m)) {
            boolean database = false;
            for (ObjectNode p : m.ofKind("NetworkPolicy").filter(p -> Manifests.selects(p.path("spec").path("podSelector"), job.podLabels())
                    || p.path("spec").path("podSelector").isEmpty()).toList()) {
                String where = job.id() + " via " + Manifests.id(p);
                if (!p.path("spec").path("ingress").isEmpty()) {
                    out.add(where + ": ingress allowed; nothing calls the migration");
                }
                Policies.egressOutside(p, ALLOWED_EGRESS_PORTS, "; the migration may reach PostgreSQL (5432) and DNS only")
                        .forEach(v -> out.add(where + ": " + v));
                database |= !p.path("spec").path("podSelector").isEmpty() && p.path("spec").path("egress").findValues("port").stream()
                        .anyMatch(port -> port.asInt() == 5432);
            }
            if (!database) {
                out.add(job.id() + ": no NetworkPolicy of its own lets it reach PostgreSQL (5432)");
            }
        }
        return out;
    }
}
