package io.datapipe.topology;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The message topology as RabbitMQ Messaging Topology Operator objects ({@code rabbitmq.com/v1beta1}
 * {@code Vhost}, {@code Exchange}, {@code Queue}, {@code Binding}, {@code User}, {@code Permission}), in the
 * order the operator's sync waves create them: what the broker needs before what refers to it.
 *
 * @param objects the objects, in that order
 */
public record TopologyDefinition(List<ObjectNode> objects) {

    /** The kinds this reads, in the order they are applied. */
    public static final List<String> KINDS = List.of("Vhost", "User", "Exchange", "Queue", "Binding", "Permission");
    private static final String API_VERSION = "rabbitmq.com/v1beta1";
    private static final YAMLMapper YAML = new YAMLMapper();

    /**
     * Reads a Kustomize directory (its {@code kustomization.yaml}'s {@code resources}, files only, in order)
     * or one YAML file of one or more documents.
     *
     * @param path {@code k8s/base/rabbitmq}, or a file such as {@code kubectl kustomize}'s output
     * @return the definition
     * @throws IllegalArgumentException for an object that is not one of {@link #KINDS}
     */
    public static TopologyDefinition read(Path path) {
        try {
            if (!Files.isDirectory(path)) {
                return parse(Files.readString(path), path.toString());
            }
            JsonNode kustomization = YAML.readTree(path.resolve("kustomization.yaml").toFile());
            StringBuilder documents = new StringBuilder();
            for (JsonNode resource : kustomization.path("resources")) {
                documents.append("---\n").append(Files.readString(path.resolve(resource.asText()))).append('\n');
            }
            return parse(documents.toString(), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the topology at " + path, e);
        }
    }

    /**
     * @param yaml   YAML documents
     * @param source where they come from, for messages
     * @return the definition
     */
    public static TopologyDefinition parse(String yaml, String source) throws IOException {
        List<ObjectNode> objects = new ArrayList<>();
        try (var values = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
            while (values.hasNext()) {
                JsonNode node = values.next();
                if (node == null || node.isNull() || node.isMissingNode()) {
                    continue;
                }
                String kind = node.path("kind").asText();
                if (!(node instanceof ObjectNode object) || !API_VERSION.equals(node.path("apiVersion").asText()) || !KINDS.contains(kind)) {
                    throw new IllegalArgumentException(source + ": " + node.path("apiVersion").asText() + " " + kind + " "
                            + node.at("/metadata/name").asText() + " is not a topology object this applies (" + API_VERSION + " " + KINDS + ")");
                }
                objects.add(object);
            }
        }
        objects.sort(Comparator.comparingInt(o -> KINDS.indexOf(o.path("kind").asText())));
        return new TopologyDefinition(List.copyOf(objects));
    }

    /**
     * @param kind one of {@link #KINDS}
     * @return its objects
     */
    public List<ObjectNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    /**
     * @param kind one of {@link #KINDS}
     * @param name the object's metadata.name
     * @return the object
     */
    public Optional<ObjectNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(o.at("/metadata/name").asText())).findFirst();
    }
}
