package io.datapipe.topology;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * The command: {@code ApplyTopology <definition> <broker>}, e.g. {@code k8s/base/rabbitmq http://127.0.0.1:15672}.
 *
 * <ul>
 *     <li>A management API ({@code http://} or {@code https://}): everything, as the operator applies it: the
 *     vhost, the users, exchanges, queues, bindings and permissions.</li>
 *     <li>An AMQP address ({@code amqp://host:port/vhost}, the vhost URL-encoded: {@code %2F} for {@code /}):
 *     the exchanges, queues and bindings only, in that existing vhost; for a broker without the management
 *     plugin ({@link AmqpTopology}).</li>
 * </ul>
 *
 * Passwords come from the environment, never the command line: {@code RABBITMQ_ADMIN_USERNAME},
 * {@code RABBITMQ_ADMIN_PASSWORD} (an administrator of the broker; guest when absent), and, with the
 * management API, for each Secret a User imports, {@code DATAPIPE_SECRET_<NAME>=<username>:<password>} (the
 * Secret's name in upper case, {@code -} as {@code _}: {@code DATAPIPE_SECRET_DATAPIPE_RABBITMQ_GENERATOR}).
 * Prints what it did.
 */
public final class ApplyTopology {

    private ApplyTopology() {
    }

    /**
     * @param args the definition and the broker
     * @throws Exception when the broker refuses or cannot be reached
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ApplyTopology <definition: a Kustomize directory or YAML file> <broker: http://host:15672 (management API) or amqp://host:5672/vhost>");
            System.exit(2);
        }
        TopologyDefinition definition = TopologyDefinition.read(Path.of(args[0]));
        String username = System.getenv().getOrDefault("RABBITMQ_ADMIN_USERNAME", "guest");
        String password = System.getenv().getOrDefault("RABBITMQ_ADMIN_PASSWORD", "guest");
        if (args[1].startsWith("amqp://") || args[1].startsWith("amqps://")) {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(args[1]);
            factory.setUsername(username);
            factory.setPassword(password);
            Connection connection;
            try {
                connection = factory.newConnection("datapipe-apply-topology");
            } catch (IOException | TimeoutException e) {
                String vhost = factory.getVirtualHost();
                System.err.println("cannot connect to " + factory.getHost() + ":" + factory.getPort() + ", vhost \"" + vhost + "\": "
                        + rootMessage(e) + (vhost.isEmpty() ? " (the default vhost / is written %2F: amqp://host:5672/%2F)" : ""));
                System.exit(1);
                return;
            }
            try (connection; Channel channel = connection.createChannel()) {
                AmqpTopology.declare(channel, definition).forEach(System.out::println);
            }
            return;
        }
        Map<String, TopologyApplier.Credentials> secrets = new HashMap<>();
        for (var user : definition.ofKind("User")) {
            String secret = user.at("/spec/importCredentialsSecret/name").asText();
            String variable = "DATAPIPE_SECRET_" + secret.toUpperCase(Locale.ROOT).replace('-', '_');
            String value = System.getenv(variable);
            if (value == null || !value.contains(":")) {
                System.err.println("User " + user.at("/metadata/name").asText() + " needs " + variable + "=<username>:<password>");
                System.exit(2);
            }
            secrets.put(secret, new TopologyApplier.Credentials(value.substring(0, value.indexOf(':')), value.substring(value.indexOf(':') + 1)));
        }
        new TopologyApplier(URI.create(args[1]), username, password).apply(definition, secrets).forEach(System.out::println);
    }

    /** The innermost cause's message: the broker's reply or the socket's error, without the wrappers. */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
