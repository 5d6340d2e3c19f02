package io.datapipe.topology;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

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
    private static final String BUNDLED = "/io/datapipe/topology/k8s-base-rabbitmq/";
    private static final YAMLMapper YAML = new YAMLMapper();

    /** Reads one file of a Kustomize directory by its name there. */
    private interface Source {
        String read(String name) throws IOException;
    }

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
            return kustomization(name -> Files.readString(path.resolve(name)), path.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the topology at " + path, e);
        }
    }

    /**
     * k8s/base/rabbitmq as this library was built with it (the build copies it in): what the cluster gets,
     * for the tests, the bench and {@code make up}.
     *
     * @return the definition
     */
    public static TopologyDefinition bundled() {
        try {
            return kustomization(name -> {
                try (InputStream in = TopologyDefinition.class.getResourceAsStream(BUNDLED + name)) {
                    if (in == null) {
                        throw new IOException("no " + BUNDLED + name + " on the class path");
                    }
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }, "k8s/base/rabbitmq (bundled)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bundled topology", e);
        }
    }

    private static TopologyDefinition kustomization(Source files, String source) throws IOException {
        JsonNode kustomization = YAML.readTree(files.read("kustomization.yaml"));
        StringBuilder documents = new StringBuilder();
        for (JsonNode resource : kustomization.path("resources")) {
            documents.append("---\n").append(files.read(resource.asText())).append('\n');
        }
        return parse(documents.toString(), source);
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

    /**
     * The broker's name of an exchange or queue object ({@code spec.name}).
     *
     * @param kind {@code Exchange} or {@code Queue}
     * @param name the object's metadata.name, e.g. {@code datapipe-persister}
     * @return its spec.name, e.g. {@code datapipe.persister}
     * @throws IllegalArgumentException when the definition has no such object
     */
    public String name(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new IllegalArgumentException("the topology has no " + kind + " " + name))
                .at("/spec/name").asText();
    }

    /**
     * A binding's routing key ({@code spec.routingKey}).
     *
     * @param name the Binding's metadata.name, e.g. {@code datapipe-records-to-persister}
     * @return its routing key, e.g. {@code record.created}
     * @throws IllegalArgumentException when the definition has no such binding
     */
    public String routingKey(String name) {
        return find("Binding", name).orElseThrow(() -> new IllegalArgumentException("the topology has no Binding " + name))
                .at("/spec/routingKey").asText();
    }

    /**
     * The same topology under other exchange and queue names (a test's or a benchmark run's private copy):
     * each exchange and queue name, and every reference to one (bindings' source and destination, a queue's
     * {@code x-dead-letter-exchange}, and its {@code x-dead-letter-routing-key} where it dead-letters through
     * the default exchange, so names a queue), is mapped. Arguments, types and routing keys stay as they are.
     *
     * @param names from a name in the definition to the one to use
     * @return the renamed definition
     */
    public TopologyDefinition renamed(UnaryOperator<String> names) {
        List<ObjectNode> renamed = new ArrayList<>();
        for (ObjectNode original : objects) {
            ObjectNode object = original.deepCopy();
            ObjectNode spec = (ObjectNode) object.path("spec");
            switch (object.path("kind").asText()) {
                case "Exchange" -> spec.put("name", names.apply(spec.path("name").asText()));
                case "Queue" -> {
                    spec.put("name", names.apply(spec.path("name").asText()));
                    if (spec.path("arguments") instanceof ObjectNode arguments && arguments.has("x-dead-letter-exchange")) {
                        String dlx = arguments.path("x-dead-letter-exchange").asText();
                        if (dlx.isEmpty()) {
                            if (arguments.has("x-dead-letter-routing-key")) {
                                arguments.put("x-dead-letter-routing-key", names.apply(arguments.path("x-dead-letter-routing-key").asText()));
                            }
                        } else {
                            arguments.put("x-dead-letter-exchange", names.apply(dlx));
                        }
                    }
                }
                case "Binding" -> {
                    spec.put("source", names.apply(spec.path("source").asText()));
                    spec.put("destination", names.apply(spec.path("destination").asText()));
                }
                default -> {
                }
            }
            renamed.add(object);
        }
        return new TopologyDefinition(List.copyOf(renamed));
    }

    /**
     * The delays of a queue's retry route: the TTLs of the queues that dead-letter back to it through the
     * default exchange, shortest first. What the consumer's {@code retry-delays-ms} must name.
     *
     * @param queue the work queue's name
     * @return the delays in milliseconds
     * @throws IllegalArgumentException when the queue has no retry queues in this definition
     */
    public List<Long> retryDelays(String queue) {
        return retryQueues(queue).stream().map(q -> q.at("/spec/arguments/x-message-ttl").asLong()).sorted().toList();
    }

    private List<ObjectNode> retryQueues(String queue) {
        List<ObjectNode> retryQueues = ofKind("Queue").stream()
                .filter(q -> q.at("/spec/arguments/x-message-ttl").isNumber()
                        && q.at("/spec/arguments/x-dead-letter-exchange").asText("-").isEmpty()
                        && queue.equals(q.at("/spec/arguments/x-dead-letter-routing-key").asText()))
                .toList();
        if (retryQueues.isEmpty()) {
            throw new IllegalArgumentException("the topology has no retry queues of " + queue);
        }
        return retryQueues;
    }

    /**
     * A private copy of datapipe's topology, for a test or a benchmark run sharing a broker with others: every
     * exchange and queue name's {@code datapipe} prefix replaced ({@code datapipe.records} becomes
     * {@code <prefix>.records}, ...), the work queue's retry route with these delays.
     *
     * @param prefix        replaces {@code datapipe} at the start of every exchange and queue name
     * @param retryDelaysMs the work queue's retry delays
     * @return the copy
     */
    public TopologyDefinition privateCopy(String prefix, List<Long> retryDelaysMs) {
        TopologyDefinition renamed = renamed(name -> name.startsWith("datapipe.") ? prefix + name.substring("datapipe".length()) : name);
        return renamed.withRetryDelays(renamed.name("Queue", "datapipe-persister"), retryDelaysMs);
    }

    /**
     * The same topology with other delays on a queue's retry route. The retry queues of a queue are those
     * that dead-letter back to it through the default exchange after a TTL; each is named
     * {@code <queue>.retry.<delay>ms} and bound to the retry exchange with routing key {@code <delay>ms}, as the
     * connector's {@code retry-delays-ms} expects. They are replaced by one per given delay, made from the
     * first of them (same type and arguments but the TTL).
     *
     * @param queue    the work queue's name
     * @param delaysMs the delays, in order
     * @return the changed definition
     * @throws IllegalArgumentException when the queue has no retry queues in this definition
     */
    public TopologyDefinition withRetryDelays(String queue, List<Long> delaysMs) {
        List<ObjectNode> retryQueues = retryQueues(queue);
        List<String> retryNames = retryQueues.stream().map(q -> q.at("/spec/name").asText()).toList();
        ObjectNode binding = ofKind("Binding").stream()
                .filter(b -> retryNames.contains(b.at("/spec/destination").asText())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no binding to the retry queues of " + queue));
        List<ObjectNode> changed = new ArrayList<>();
        for (ObjectNode object : objects) {
            boolean retryObject = retryQueues.contains(object)
                    || ("Binding".equals(object.path("kind").asText()) && retryNames.contains(object.at("/spec/destination").asText()));
            if (!retryObject) {
                changed.add(object);
            }
        }
        for (long delay : delaysMs) {
            String name = queue + ".retry." + delay + "ms";
            ObjectNode retryQueue = retryQueues.getFirst().deepCopy();
            ((ObjectNode) retryQueue.path("metadata")).put("name", name.replace('.', '-'));
            ((ObjectNode) retryQueue.path("spec")).put("name", name);
            ((ObjectNode) retryQueue.at("/spec/arguments")).put("x-message-ttl", delay);
            changed.add(retryQueue);
            ObjectNode retryBinding = binding.deepCopy();
            ((ObjectNode) retryBinding.path("metadata")).put("name", name.replace('.', '-') + "-binding");
            ((ObjectNode) retryBinding.path("spec")).put("destination", name).put("routingKey", delay + "ms");
            changed.add(retryBinding);
        }
        changed.sort(Comparator.comparingInt(o -> KINDS.indexOf(o.path("kind").asText())));
        return new TopologyDefinition(List.copyOf(changed));
    }
}
