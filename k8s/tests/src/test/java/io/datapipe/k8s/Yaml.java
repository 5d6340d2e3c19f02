package io.datapipe.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Multi-document YAML in and out. */
final class Yaml {

    static final YAMLMapper MAPPER = new YAMLMapper();
    static final ObjectMapper JSON = new ObjectMapper();

    private Yaml() {
    }

    static List<ObjectNode> documents(String text) {
        List<ObjectNode> documents = new ArrayList<>();
        try (var values = MAPPER.readerFor(JsonNode.class).<JsonNode>readValues(text)) {
            while (values.hasNext()) {
                JsonNode node = values.next();
                if (node instanceof ObjectNode object) {
                    documents.add(object);
                } else if (node != null && !node.isNull() && !node.isMissingNode()) {
                    throw new IllegalArgumentException("not a YAML mapping: " + node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return documents;
    }

    static ObjectNode document(Path file) {
        List<ObjectNode> documents = documents(read(file));
        if (documents.size() != 1) {
            throw new IllegalArgumentException(file + ": expected one document, found " + documents.size());
        }
        return documents.getFirst();
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String write(List<? extends JsonNode> documents) {
        StringBuilder text = new StringBuilder();
        try {
            for (JsonNode document : documents) {
                text.append(MAPPER.writeValueAsString(document));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** Deep copies, so a test can break a manifest without touching the shared rendering. */
    static List<ObjectNode> copy(List<ObjectNode> documents) {
        return documents.stream().map(ObjectNode::deepCopy).toList();
    }
}
