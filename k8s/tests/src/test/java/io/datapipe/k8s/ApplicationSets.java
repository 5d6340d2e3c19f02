package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Argo CD's ApplicationSet controller makes of a list-generator ApplicationSet with
 * goTemplate: the Applications, one per element. Supports exactly the template language
 * this repository uses - `{{.key}}` and a `{{- if .key }} ... {{- end }}` block in
 * templatePatch - and refuses anything else, so it cannot silently render something
 * different from the controller.
 */
final class ApplicationSets {

    private static final Pattern VALUE = Pattern.compile("\\{\\{-?\\s*\\.(\\w+)\\s*-?}}");
    private static final Pattern IF_BLOCK = Pattern.compile("\\{\\{-?\\s*if\\s+\\.(\\w+)\\s*-?}}(.*?)\\{\\{-?\\s*end\\s*-?}}", Pattern.DOTALL);
    private static final Pattern ANY_ACTION = Pattern.compile("\\{\\{.*?}}", Pattern.DOTALL);

    private ApplicationSets() {
    }

    static List<ObjectNode> applications(ObjectNode applicationSet) {
        JsonNode spec = applicationSet.path("spec");
        if (!spec.path("goTemplate").asBoolean(false)) {
            throw new UnsupportedOperationException("only goTemplate ApplicationSets are rendered here");
        }
        List<ObjectNode> applications = new ArrayList<>();
        for (JsonNode generator : spec.path("generators")) {
            if (!generator.has("list") || generator.size() != 1) {
                throw new UnsupportedOperationException("only list generators are rendered here: " + generator);
            }
            for (JsonNode element : generator.path("list").path("elements")) {
                ObjectNode application = (ObjectNode) fill(spec.path("template").toString(), element);
                if (spec.has("templatePatch")) {
                    String patch = IF_BLOCK.matcher(spec.path("templatePatch").asText()).replaceAll(m ->
                            Matcher.quoteReplacement(truthy(value(element, m.group(1))) ? m.group(2) : ""));
                    String filled = fillText(patch, element);
                    List<ObjectNode> docs = Yaml.documents(filled);
                    if (docs.size() > 1) {
                        throw new IllegalArgumentException("templatePatch must be one document");
                    }
                    if (!docs.isEmpty()) {
                        merge(application, docs.getFirst());
                    }
                }
                application.put("apiVersion", "argoproj.io/v1alpha1");
                application.put("kind", "Application");
                ((ObjectNode) application.path("metadata")).put("namespace", applicationSet.path("metadata").path("namespace").asText());
                applications.add(application);
            }
        }
        return applications;
    }

    private static JsonNode fill(String json, JsonNode element) {
        try {
            return Yaml.JSON.readTree(fillText(json, element));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String fillText(String text, JsonNode element) {
        String filled = VALUE.matcher(text).replaceAll(m -> Matcher.quoteReplacement(value(element, m.group(1)).asText()));
        Matcher leftover = ANY_ACTION.matcher(filled);
        if (leftover.find()) {
            throw new UnsupportedOperationException("template action not supported here: " + leftover.group());
        }
        return filled;
    }

    /** missingkey=error, as the ApplicationSet asks. */
    private static JsonNode value(JsonNode element, String key) {
        if (!element.has(key)) {
            throw new IllegalArgumentException("element " + element + " has no key " + key);
        }
        return element.path(key);
    }

    private static boolean truthy(JsonNode value) {
        return value.isBoolean() ? value.asBoolean() : !value.asText().isEmpty() && !"false".equals(value.asText());
    }

    /** JSON merge patch (RFC 7386), which is how the controller applies templatePatch. */
    static void merge(ObjectNode target, JsonNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                target.remove(e.getKey());
            } else if (e.getValue().isObject() && target.path(e.getKey()).isObject()) {
                merge((ObjectNode) target.get(e.getKey()), e.getValue());
            } else {
                target.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }
}
