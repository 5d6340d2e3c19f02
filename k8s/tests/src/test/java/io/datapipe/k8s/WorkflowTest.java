package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The GitHub workflows: valid against the Actions schema (action-validator), and doing what the delivery needs. */
class WorkflowTest {

    static final List<String> WORKFLOWS = List.of("pr.yml", "main.yml", "promote.yml", "smoke.yml", "infra.yml");

    static ObjectNode workflow(String name) {
        return Yaml.document(Repo.WORKFLOWS.resolve(name));
    }

    static Commands.Result actionValidator(Path file) {
        return Commands.run(Repo.TESTS, null, List.of(Repo.TESTS.resolve("node_modules/.bin/action-validator").toString(), file.toString()));
    }

    /** An action pinned by the full commit it runs, with the release it is as a comment: {@code owner/repo@<sha> # v1.2.3}. */
    static final Pattern PINNED = Pattern.compile("[\\w.-]+/[\\w./-]+@[0-9a-f]{40} # v\\d+\\.\\d+\\.\\d+");

    /**
     * Rules beyond the schema, on one workflow: actions pinned by commit (a tag can be moved to other code,
     * a commit cannot), explicit permissions, no stored AWS keys.
     */
    static List<String> violations(ObjectNode wf, String text) {
        List<String> out = new ArrayList<>();
        if (!wf.has("permissions")) {
            out.add("no top-level permissions (the token would get the repository default)");
        }
        // Read from the text: the release comment beside each commit is not in the parsed YAML.
        Matcher uses = Pattern.compile("^\\s*(?:-\\s+)?uses:\\s*(.+?)\\s*$", Pattern.MULTILINE).matcher(text);
        int found = 0;
        while (uses.find()) {
            found++;
            String ref = uses.group(1).replaceAll("^[\"']|[\"']$", "");
            if (!ref.startsWith("./") && !PINNED.matcher(ref).matches()) {
                out.add(ref + ": pin actions by full commit SHA, with the release as a comment (owner/repo@<40 hex> # vX.Y.Z)");
            }
        }
        if (found != wf.findValues("uses").size()) {
            out.add("a uses: the line check did not see (" + found + " lines, " + wf.findValues("uses").size() + " in the YAML)");
        }
        if (text.contains("aws-access-key-id") || text.contains("aws-secret-access-key") || text.contains("AWS_SECRET_ACCESS_KEY")) {
            out.add("long-lived AWS keys: use OIDC (role-to-assume)");
        }
        wf.path("jobs").forEach(job -> job.path("steps").forEach(step -> {
            if (step.path("uses").asText().startsWith("aws-actions/configure-aws-credentials")) {
                if (!step.path("with").has("role-to-assume")) {
                    out.add("configure-aws-credentials without role-to-assume");
                }
                JsonNode perms = job.has("permissions") ? job.path("permissions") : wf.path("permissions");
                if (!"write".equals(perms.path("id-token").asText())) {
                    out.add("OIDC needs permissions: id-token: write on the job");
                }
            }
        }));
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"pr.yml", "main.yml", "promote.yml", "smoke.yml", "infra.yml"})
    void matchesTheGitHubActionsSchema(String name) {
        Commands.Result result = actionValidator(Repo.WORKFLOWS.resolve(name));
        assertThat(result.exitCode()).as(result.stdout() + result.stderr()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"pr.yml", "main.yml", "promote.yml", "smoke.yml", "infra.yml"})
    void pinsActionsLimitsItsTokenAndStoresNoKeys(String name) {
        assertThat(violations(workflow(name), Yaml.read(Repo.WORKFLOWS.resolve(name)))).isEmpty();
    }

    @Test
    void thereAreExactlyTheseWorkflows() throws IOException {
        try (Stream<Path> files = Files.list(Repo.WORKFLOWS)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(WORKFLOWS);
        }
    }

    @Test
    void thePullRequestCheckRunsMakeTestWithItsServices() {
        ObjectNode pr = workflow("pr.yml");
        assertThat(pr.path("on").has("pull_request")).isTrue();
        JsonNode job = pr.path("jobs").path("test");
        assertThat(job.path("services").has("postgres")).isTrue();
        assertThat(job.path("services").has("rabbitmq")).isTrue();
        assertThat(job.findValuesAsText("run")).contains("make test");
        assertThat(step(job, "actions/setup-java").path("with").path("java-version").asInt()).isGreaterThanOrEqualTo(21);
        assertThat(step(job, "actions/setup-node").path("with").path("node-version").asText()).isEqualTo("20");
    }

    @Test
    void mainBuildsPushesWithOidcThenBumpsDevAndSmokesIt() {
        ObjectNode main = workflow("main.yml");
        assertThat(main.at("/on/push/branches").toString()).contains("main");
        JsonNode jobs = main.path("jobs");
        assertThat(jobs.path("test").findValuesAsText("run")).contains("make test");
        JsonNode images = jobs.path("images");
        assertThat(step(images, "aws-actions/configure-aws-credentials").path("with").path("role-to-assume").asText()).contains("vars.AWS_ROLE_ARN");
        assertThat(step(images, "docker/build-push-action").path("with").path("push").asBoolean()).isTrue();
        assertThat(images.at("/strategy/matrix/service").toString()).contains("generator", "persister", "web");
        String bump = String.join("\n", jobs.path("deploy-dev").findValuesAsText("run"));
        assertThat(bump).contains("k8s/overlays/dev/kustomization.yaml").contains("newTag").contains("git push");
        assertThat(jobs.path("smoke-dev").path("uses").asText()).isEqualTo("./.github/workflows/smoke.yml");
        assertThat(jobs.path("smoke-dev").path("needs").toString()).contains("deploy-dev");
        assertThat(jobs.path("smoke-dev").at("/with/version").asText()).as("smoke waits for the version deployed")
                .isEqualTo("${{ needs.test.outputs.version }}");
        assertThat(step(images, "docker/build-push-action").at("/with/build-args").asText())
                .as("the image reports the version it is tagged with").contains("VERSION=${{ needs.test.outputs.version }}");
    }

    @Test
    void promotionIsApprovedThroughAnEnvironmentAndProposedAsAPullRequest() {
        ObjectNode promote = workflow("promote.yml");
        assertThat(promote.at("/on/workflow_dispatch/inputs/environment/options").toString()).contains("stg", "prd").doesNotContain("dev");
        JsonNode pr = promote.at("/jobs/pull-request");
        assertThat(pr.path("environment").asText()).isEqualTo("${{ inputs.environment }}");
        String script = String.join("\n", pr.findValuesAsText("run"));
        assertThat(script).contains("k8s/overlays/$TARGET/kustomization.yaml").contains("gh pr create");
        assertThat(pr.path("permissions").path("pull-requests").asText()).isEqualTo("write");
    }

    @Test
    void theSmokeTestIsReusableAndPostsThenGets() {
        ObjectNode smoke = workflow("smoke.yml");
        assertThat(smoke.path("on").has("workflow_call")).isTrue();
        assertThat(smoke.at("/on/workflow_call/inputs/environment/required").asBoolean()).isTrue();
        String script = Yaml.read(Repo.ROOT.resolve(".github/scripts/smoke.sh"));
        assertThat(script.indexOf("call POST /data")).isPositive().isLessThan(script.indexOf("call GET \"/data/$id\""));
        assertThat(smoke.findValuesAsText("SMOKE_TOKEN")).contains("${{ secrets.SMOKE_TOKEN }}");
        Commands.Result syntax = Commands.run(Repo.ROOT, null, List.of("bash", "-n", ".github/scripts/smoke.sh"));
        assertThat(syntax.exitCode()).as(syntax.stderr()).isZero();
    }

    @Test
    void aWorkflowThatBreaksTheSchemaIsRejected(@TempDir Path dir) throws IOException {
        Path broken = dir.resolve("broken.yml");
        Files.writeString(broken, Yaml.read(Repo.WORKFLOWS.resolve("pr.yml")).replace("    runs-on: ubuntu-24.04\n", "    runs_on: ubuntu-24.04\n"));
        assertThat(actionValidator(broken).exitCode()).isNotZero();
    }

    @Test
    void unpinnedActionsBroadTokensAndStoredKeysAreRejected() {
        String text = Yaml.read(Repo.WORKFLOWS.resolve("main.yml"))
                .replaceFirst("actions/checkout@[0-9a-f]{40} # v[0-9.]+", "actions/checkout@main")
                .replaceFirst("actions/setup-java@[0-9a-f]{40} # (v[0-9.]+)", "actions/setup-java@$1")
                .replaceFirst("docker/setup-buildx-action@([0-9a-f]{40}) # v[0-9.]+", "docker/setup-buildx-action@$1")
                .replace("role-to-assume: ${{ vars.AWS_ROLE_ARN }}", "aws-access-key-id: ${{ secrets.KEY }}")
                .replace("permissions:\n  contents: read\n\nconcurrency", "concurrency");
        List<String> found = violations(Yaml.documents(text).getFirst(), text);
        assertThat(found).anySatisfy(v -> assertThat(v).contains("actions/checkout@main"))
                .anySatisfy(v -> assertThat(v).startsWith("actions/setup-java@v4.").contains("pin actions by full commit SHA"))
                .anySatisfy(v -> assertThat(v).startsWith("docker/setup-buildx-action@").contains("with the release as a comment"))
                .anySatisfy(v -> assertThat(v).contains("long-lived AWS keys"))
                .anySatisfy(v -> assertThat(v).contains("without role-to-assume"))
                .anySatisfy(v -> assertThat(v).contains("no top-level permissions"));
    }

    private static JsonNode step(JsonNode job, String action) {
        for (JsonNode step : job.path("steps")) {
            if (step.path("uses").asText().startsWith(action + "@")) {
                return step;
            }
        }
        throw new AssertionError("no step uses " + action);
    }
}
