package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The signed supply chain: main.yml signs each image it pushes (cosign keyless, with the job's OIDC token)
 * and attests its SBOM and provenance; stg and prd admit only images signed and attested by exactly that
 * identity (Kyverno, k8s/components/verify-images); pr.yml gates on known-vulnerable dependencies.
 */
class SupplyChainTest {

    static final String GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

    /** cosign's attestation {@code --type} names and the predicate types they stand for (cosign's own table). */
    static final Map<String, String> PREDICATE_TYPES = Map.of(
            "cyclonedx", "https://cyclonedx.org/bom",
            "slsaprovenance", "https://slsa.dev/provenance/v0.2",
            "spdxjson", "https://spdx.dev/Document");

    /** The workflow file that signs the images: the one whose steps run {@code cosign sign}. */
    static String signingWorkflow() {
        List<String> signing = WorkflowTest.WORKFLOWS.stream()
                .filter(name -> String.join("\n", WorkflowTest.workflow(name).findValuesAsText("run")).contains("cosign sign "))
                .toList();
        assertThat(signing).as("workflows that sign images").hasSize(1);
        return signing.getFirst();
    }

    /**
     * The identity Fulcio writes into the signing certificate for that workflow: the repository (as Terraform
     * knows it: infra/env/&lt;env&gt;.tfvars) + the workflow's path + the branch it runs on.
     */
    static String signingIdentity(String env) {
        String workflow = signingWorkflow();
        JsonNode branches = WorkflowTest.workflow(workflow).at("/on/push/branches");
        assertThat(branches.size()).as(workflow + " pushes from one branch").isEqualTo(1);
        Matcher repository = Pattern.compile("(?m)^repository\\s*=\\s*\"https://github\\.com/([^\"]+?)(\\.git)?\"")
                .matcher(Yaml.read(Repo.ROOT.resolve("infra/env/" + env + ".tfvars")));
        assertThat(repository.find()).as("repository in infra/env/" + env + ".tfvars").isTrue();
        return "https://github.com/" + repository.group(1) + "/.github/workflows/" + workflow + "@refs/heads/" + branches.get(0).asText();
    }

    /** The attestation types the signing workflow makes ({@code cosign attest --type X}), as predicate types. */
    static Set<String> attestedPredicateTypes() {
        Set<String> types = new LinkedHashSet<>();
        Matcher attest = Pattern.compile("cosign attest [^\\n]*--type (\\w+)")
                .matcher(String.join("\n", WorkflowTest.workflow(signingWorkflow()).findValuesAsText("run")));
        while (attest.find()) {
            assertThat(PREDICATE_TYPES).as("predicate type of cosign --type " + attest.group(1)).containsKey(attest.group(1));
            types.add(PREDICATE_TYPES.get(attest.group(1)));
        }
        return types;
    }

    /** What keeps the rendered objects from admitting exactly the images the identity signed and attested. */
    static List<String> admissionViolations(List<ObjectNode> objects, String identity, Set<String> predicateTypes) {
        Manifests manifests = new Manifests(objects);
        List<String> out = new ArrayList<>();
        List<ObjectNode> policies = manifests.ofKind("Policy").filter(p -> p.path("apiVersion").asText().startsWith("kyverno.io/")).toList();
        if (policies.isEmpty()) {
            return List.of("no Kyverno Policy");
        }
        List<JsonNode> rules = new ArrayList<>();
        policies.forEach(p -> p.at("/spec/rules").forEach(r -> r.path("verifyImages").forEach(rules::add)));
        for (JsonNode rule : rules) {
            if (!"Enforce".equals(rule.path("failureAction").asText())) {
                out.add("verifyImages " + rule.path("imageReferences") + " does not enforce");
            }
            if (!rule.path("required").asBoolean(true) || !rule.path("verifyDigest").asBoolean(true)) {
                out.add("verifyImages " + rule.path("imageReferences") + " lets an unverified image or tag through");
            }
            List<JsonNode> keyless = new ArrayList<>(rule.path("attestors").findValues("keyless"));
            Set<String> attested = new LinkedHashSet<>();
            for (JsonNode attestation : rule.path("attestations")) {
                attested.add(attestation.path("type").asText());
                keyless.addAll(attestation.path("attestors").findValues("keyless"));
                if (attestation.path("attestors").findValues("keyless").isEmpty()) {
                    out.add("attestation " + attestation.path("type").asText() + " without a keyless attestor");
                }
            }
            if (rule.path("attestors").findValues("keyless").isEmpty()) {
                out.add("verifyImages " + rule.path("imageReferences") + " without a keyless attestor");
            }
            for (JsonNode k : keyless) {
                if (!identity.equals(k.path("subject").asText())) {
                    out.add("keyless subject " + k.path("subject").asText() + " is not the signing identity " + identity);
                }
                if (!GITHUB_OIDC_ISSUER.equals(k.path("issuer").asText())) {
                    out.add("keyless issuer " + k.path("issuer").asText() + " is not GitHub Actions'");
                }
            }
            if (!attested.equals(predicateTypes)) {
                out.add("attestations required " + attested + " are not those the workflow makes " + predicateTypes);
            }
        }
        // Every datapipe image a workload runs is matched by a rule.
        for (Manifests.Workload workload : manifests.workloads()) {
            for (JsonNode container : workload.podSpec().path("containers")) {
                String image = container.path("image").asText();
                if (!image.contains("/datapipe/")) {
                    continue;
                }
                boolean matched = rules.stream().anyMatch(r -> {
                    for (JsonNode ref : r.path("imageReferences")) {
                        if (FileSystems.getDefault().getPathMatcher("glob:" + ref.asText()).matches(Path.of(image.replaceAll("[:@].*$", "")))) {
                            return true;
                        }
                    }
                    return false;
                });
                if (!matched) {
                    out.add(workload.id() + " runs " + image + ", which no verifyImages rule matches");
                }
            }
        }
        return out;
    }

    @Test
    void mainSignsAndAttestsEachImageItPushesWithItsOidcIdentity() {
        assertThat(signingWorkflow()).isEqualTo("main.yml");
        JsonNode images = WorkflowTest.workflow("main.yml").at("/jobs/images");
        assertThat(images.at("/permissions/id-token").asText()).isEqualTo("write");
        String run = String.join("\n", images.findValuesAsText("run"));
        // Keyless: no key anywhere; by digest, never by tag.
        assertThat(run).contains("cosign sign --yes").doesNotContain("--key");
        assertThat(images.findValuesAsText("IMAGE")).isNotEmpty().allSatisfy(image -> assertThat(image).contains("@${{ steps.build.outputs.digest }}"));
        assertThat(attestedPredicateTypes()).containsExactlyInAnyOrder("https://cyclonedx.org/bom", "https://slsa.dev/provenance/v0.2");
        // The SBOM attested is the service's Maven build's (cyclonedx-maven-plugin, services/pom.xml).
        assertThat(images.findValuesAsText("SBOM")).containsExactly("services/${{ matrix.service }}/target/bom.json");
        assertThat(Yaml.read(Repo.ROOT.resolve("services/pom.xml"))).contains("<artifactId>cyclonedx-maven-plugin</artifactId>").contains("<goal>makeBom</goal>");
        // The workflow checks its own result the way admission will, with the identity GitHub gives it.
        assertThat(run).contains("cosign verify \"${trust[@]}\"").contains("cosign verify-attestation \"${trust[@]}\" --type cyclonedx");
        assertThat(images.findValuesAsText("IDENTITY")).containsExactly("${{ github.server_url }}/${{ github.workflow_ref }}");
    }

    @ParameterizedTest
    @ValueSource(strings = {"stg", "prd"})
    void stagingAndProductionAdmitOnlyWhatThatIdentitySignedAndAttested(String env) {
        List<ObjectNode> rendered = Kustomize.render(Repo.overlay(env));
        assertThat(admissionViolations(rendered, signingIdentity(env), attestedPredicateTypes())).isEmpty();
        // Kyverno, which enforces it, is installed in exactly these environments.
        assertThat(PlatformAddonsTest.render(env).stream().map(Manifests::name)).contains("kyverno");
    }

    @Test
    void devHasNoAdmissionPolicyAndNoKyverno() {
        assertThat(new Manifests(Kustomize.render(Repo.overlay("dev"))).ofKind("Policy")).isEmpty();
        assertThat(PlatformAddonsTest.render("dev").stream().map(Manifests::name)).doesNotContain("kyverno");
    }

    @Test
    void anotherIdentityAnAuditOnlyRuleOrAMissingAttestationIsCaught() {
        String identity = signingIdentity("prd");
        Set<String> types = attestedPredicateTypes();
        List<ObjectNode> forked = Kustomize.render(Repo.overlay("prd"));
        ObjectNode rule = (ObjectNode) new Manifests(forked).find("Policy", "verify-datapipe-images").orElseThrow().at("/spec/rules/0/verifyImages/0");
        ((ObjectNode) rule.at("/attestors/0/entries/0/keyless")).set("subject", TextNode.valueOf("https://github.com/someone-else/datapipe/.github/workflows/main.yml@refs/heads/main"));
        rule.put("failureAction", "Audit");
        ((com.fasterxml.jackson.databind.node.ArrayNode) rule.path("attestations")).remove(1);
        assertThat(admissionViolations(forked, identity, types))
                .anySatisfy(v -> assertThat(v).contains("someone-else").contains("is not the signing identity"))
                .anySatisfy(v -> assertThat(v).contains("does not enforce"))
                .anySatisfy(v -> assertThat(v).contains("are not those the workflow makes"));

        List<ObjectNode> otherRegistry = Kustomize.render(Repo.overlay("prd"));
        ((com.fasterxml.jackson.databind.node.ArrayNode) new Manifests(otherRegistry).find("Policy", "verify-datapipe-images").orElseThrow()
                .at("/spec/rules/0/verifyImages/0/imageReferences")).set(0, TextNode.valueOf("registry.invalid/datapipe/*"));
        assertThat(admissionViolations(otherRegistry, identity, types)).anySatisfy(v -> assertThat(v).contains("which no verifyImages rule matches"));
    }

    @Test
    void pullRequestsAreGatedOnKnownVulnerableDependencies() {
        JsonNode job = WorkflowTest.workflow("pr.yml").at("/jobs/dependencies");
        List<JsonNode> scans = new ArrayList<>();
        job.path("steps").forEach(step -> {
            if (step.path("uses").asText().startsWith("anchore/scan-action@")) {
                scans.add(step.path("with"));
            }
        });
        assertThat(scans.stream().map(s -> s.path("sbom").asText()))
                .containsExactlyInAnyOrder("services/generator/target/bom.json", "services/persister/target/bom.json", "services/web/target/bom.json");
        assertThat(scans).allSatisfy(s -> {
            assertThat(s.path("fail-build").asText("true")).isEqualTo("true");
            assertThat(s.path("severity-cutoff").asText()).isIn("high", "medium", "low");
        });
        assertThat(job.findValuesAsText("run")).anySatisfy(r -> assertThat(r).startsWith("npm audit").contains("--audit-level=high"));
    }
}
