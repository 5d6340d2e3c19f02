package io.datapipe.topology;

import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The command: {@code ApplyTopology <definition> <management-uri>}, e.g. {@code k8s/base/rabbitmq
 * http://127.0.0.1:15672}. Passwords come from the environment, never the command line:
 * {@code RABBITMQ_ADMIN_USERNAME}, {@code RABBITMQ_ADMIN_PASSWORD} (an administrator of the broker), and for
 * each Secret a User imports, {@code DATAPIPE_SECRET_<NAME>=<username>:<password>} (the Secret's name in upper
 * case, {@code -} as {@code _}: {@code DATAPIPE_SECRET_DATAPIPE_RABBITMQ_GENERATOR}). Prints what it did.
 */
public final class ApplyTopology {

    private ApplyTopology() {
    }

    /**
     * @param args the definition and the management API's base
     */
    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ApplyTopology <definition: a Kustomize directory or YAML file> <management API, http://host:15672>");
            System.exit(2);
        }
        TopologyDefinition definition = TopologyDefinition.read(Path.of(args[0]));
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
        TopologyApplier applier = new TopologyApplier(URI.create(args[1]),
                System.getenv().getOrDefault("RABBITMQ_ADMIN_USERNAME", "guest"),
                System.getenv().getOrDefault("RABBITMQ_ADMIN_PASSWORD", "guest"));
        applier.apply(definition, secrets).forEach(System.out::println);
    }
}
