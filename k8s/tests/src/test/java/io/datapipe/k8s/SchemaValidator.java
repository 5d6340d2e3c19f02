package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Schema validation through validate.mjs (Node): kubernetes-models for Kubernetes and the
 * CRDs that have npm models, the vendored JSON schemas for the RabbitMQ operators.
 */
final class SchemaValidator {

    private static final Map<String, List<String>> CACHE = new ConcurrentHashMap<>();

    private SchemaValidator() {
    }

    /** One line per invalid object ("Kind/name: error"); empty when every object is valid. */
    static List<String> errors(List<? extends JsonNode> objects) {
        String yaml = Yaml.write(objects);
        return CACHE.computeIfAbsent(yaml, SchemaValidator::validate);
    }

    private static List<String> validate(String yaml) {
        if (!Files.isDirectory(Repo.TESTS.resolve("node_modules"))) {
            throw new IllegalStateException("run `npm ci` in k8s/tests first (the npm-ci Maven profile does it on a fresh clone)");
        }
        Commands.Result result = Commands.run(Repo.TESTS, yaml, List.of("node", "validate.mjs"));
        List<String> errors = new ArrayList<>();
        int lines = 0;
        for (String line : result.stdout().split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            lines++;
            try {
                ObjectNode report = (ObjectNode) Yaml.JSON.readTree(line);
                for (JsonNode error : report.path("errors")) {
                    errors.add(report.path("kind").asText() + "/" + report.path("name").asText() + ": " + error.asText());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("unexpected output of validate.mjs: " + line, e);
            }
        }
        int expected = Yaml.documents(yaml).size();
        if (lines != expected || (result.exitCode() != 0) == errors.isEmpty()) {
            throw new IllegalStateException("validate.mjs reported " + lines + " of " + expected
                    + " objects, exit " + result.exitCode() + ":\n" + result.stderr());
        }
        return errors;
    }
}
