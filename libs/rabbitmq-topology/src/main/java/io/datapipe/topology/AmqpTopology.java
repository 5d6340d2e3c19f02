package io.datapipe.topology;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.rabbitmq.client.Channel;

/**
 * Declares a {@link TopologyDefinition}'s exchanges, queues and bindings over AMQP, in the channel's virtual
 * host, with the arguments the definition gives them: what the Messaging Topology Operator creates for those
 * objects, for a broker without its management API (the tests' brokers, a local broker without the
 * management plugin). Vhosts, users and permissions need the management API ({@link TopologyApplier}). Every
 * declaration is idempotent; one whose arguments differ from an existing queue or exchange fails with
 * {@code PRECONDITION_FAILED}.
 */
public final class AmqpTopology {

    private AmqpTopology() {
    }

    /**
     * @param channel    an open channel of a user that may configure these names
     * @param definition the objects; its Vhost, User and Permission objects are not AMQP's and are left out
     * @return what was done, one line per object ({@code queue.declare datapipe.persister})
     * @throws IOException when the broker refuses one (the channel is then closed)
     */
    public static List<String> declare(Channel channel, TopologyDefinition definition) throws IOException {
        List<String> done = new ArrayList<>();
        for (ObjectNode object : definition.objects()) {
            JsonNode spec = object.path("spec");
            switch (object.path("kind").asText()) {
                case "Exchange" -> {
                    channel.exchangeDeclare(spec.path("name").asText(), spec.path("type").asText("direct"),
                            spec.path("durable").asBoolean(false), spec.path("autoDelete").asBoolean(false), arguments(spec));
                    done.add("exchange.declare " + spec.path("name").asText());
                }
                case "Queue" -> {
                    Map<String, Object> arguments = arguments(spec);
                    if (spec.hasNonNull("type")) {
                        arguments.put("x-queue-type", spec.path("type").asText());
                    }
                    channel.queueDeclare(spec.path("name").asText(), spec.path("durable").asBoolean(false), false,
                            spec.path("autoDelete").asBoolean(false), arguments);
                    done.add("queue.declare " + spec.path("name").asText());
                }
                case "Binding" -> {
                    String source = spec.path("source").asText();
                    String destination = spec.path("destination").asText();
                    String routingKey = spec.path("routingKey").asText("");
                    if ("exchange".equals(spec.path("destinationType").asText())) {
                        channel.exchangeBind(destination, source, routingKey, arguments(spec));
                    } else {
                        channel.queueBind(destination, source, routingKey, arguments(spec));
                    }
                    done.add("bind " + source + " -> " + destination + " (" + routingKey + ")");
                }
                default -> {
                    // Vhost, User, Permission: the management API's
                }
            }
        }
        return done;
    }

    /**
     * Deletes the definition's queues and exchanges (their bindings go with them): a test's or a benchmark
     * run's private copy, at its end.
     *
     * @param channel    an open channel of a user that may configure these names
     * @param definition the objects
     * @throws IOException when the broker refuses
     */
    public static void delete(Channel channel, TopologyDefinition definition) throws IOException {
        for (ObjectNode queue : definition.ofKind("Queue")) {
            channel.queueDelete(queue.at("/spec/name").asText());
        }
        for (ObjectNode exchange : definition.ofKind("Exchange")) {
            channel.exchangeDelete(exchange.at("/spec/name").asText());
        }
    }

    private static Map<String, Object> arguments(JsonNode spec) {
        Map<String, Object> arguments = new HashMap<>();
        spec.path("arguments").properties().forEach(entry -> arguments.put(entry.getKey(), value(entry.getValue())));
        return arguments;
    }

    private static Object value(JsonNode node) {
        if (node.isIntegralNumber()) {
            return node.canConvertToInt() ? (Object) node.intValue() : (Object) node.longValue();
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.asText();
    }
}
