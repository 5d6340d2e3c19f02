package io.datapipe.testsupport;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks of an OpenAPI document as a service serves it (GET /openapi, as JSON). */
public final class OpenApiDocuments {

    private OpenApiDocuments() {
    }

    /**
     * The local references ({@code $ref: '#/...'}) in a document that name nothing in it.
     *
     * @param document the whole document
     * @return each such reference, empty when all resolve
     */
    public static List<String> unresolvedReferences(JsonNode document) {
        List<String> unresolved = new ArrayList<>();
        for (JsonNode reference : document.findValues("$ref")) {
            String ref = reference.asText();
            if (ref.startsWith("#/") && document.at(ref.substring(1)).isMissingNode()) {
                unresolved.add(ref);
            }
        }
        return unresolved;
    }
}
