package io.datapipe.topology;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Writes the services' defaults that are facts of the topology, derived from the definition at build time
 * (libs/contract's build runs it), so that they are not written a second time: the names the generator and
 * the persister use and the persister's retry delays. In a cluster the overlays copy the same names from
 * k8s/base/rabbitmq into the services' ConfigMap.
 *
 * <p>{@code ServiceDefaults <definition> <properties> <output>}: {@code <output>} is {@code <properties>} (the
 * hand-written part) followed by the derived keys.
 */
public final class ServiceDefaults {

    private ServiceDefaults() {
    }

    /**
     * @param args the definition (k8s/base/rabbitmq), the hand-written properties, the file to write
     * @throws IOException when a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: ServiceDefaults <definition> <properties> <output>");
            System.exit(2);
        }
        Path source = Path.of(args[0]).toAbsolutePath().normalize();
        TopologyDefinition definition = TopologyDefinition.read(source);
        Path output = Path.of(args[2]);
        Files.createDirectories(output.getParent());
        // The last three segments: k8s/base/rabbitmq, not this machine's path.
        String name = source.getNameCount() > 3 ? source.subpath(source.getNameCount() - 3, source.getNameCount()).toString() : source.toString();
        Files.writeString(output, Files.readString(Path.of(args[1])) + derived(definition, name));
    }

    /**
     * @param definition the topology
     * @param source     where it was read from, for the comment
     * @return the derived keys, as properties
     */
    static String derived(TopologyDefinition definition, String source) {
        String queue = definition.name("Queue", "datapipe-persister");
        List<Long> delays = definition.retryDelays(queue);
        return "\n# Derived from " + source + " at build time by libs/rabbitmq-topology's"
                + " ServiceDefaults:\n# the names, and the retry route's delays (the TTLs of <queue>.retry.<delay>ms).\n"
                + "datapipe.exchange=" + definition.name("Exchange", "datapipe-records") + "\n"
                + "datapipe.routing-key=" + definition.routingKey("datapipe-records-to-persister") + "\n"
                + "datapipe.queue=" + queue + "\n"
                + "datapipe.dead-letter-exchange=" + definition.name("Exchange", "datapipe-records-dlx") + "\n"
                + "datapipe.dead-letter-queue=" + definition.name("Queue", "datapipe-persister-dlq") + "\n"
                + "datapipe.retry-delays-ms=" + delays.stream().map(String::valueOf).collect(Collectors.joining(",")) + "\n";
    }
}
