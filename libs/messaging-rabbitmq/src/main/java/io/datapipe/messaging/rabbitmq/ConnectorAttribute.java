package io.datapipe.messaging.rabbitmq;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import org.eclipse.microprofile.config.Config;

/**
 * Every configuration key of the connector, with its type, default and meaning: the one place they are
 * declared. A channel's configuration is {@code mp.messaging.<incoming|outgoing>.<channel>.<key>}, and
 * {@code mp.messaging.connector.datapipe-rabbitmq.<key>} sets a key for every channel of the connector.
 * The README's table is {@link #markdownTable()}.
 */
public enum ConnectorAttribute {

    HOST(Scope.CONNECTION, "host", String.class, "localhost", "broker host"),
    PORT(Scope.CONNECTION, "port", Integer.class, null, "broker port; 5672, or 5671 with `tls`"),
    ADDRESSES(Scope.CONNECTION, "addresses", String.class, null,
              "a cluster's nodes, `host:port,host:port,...`: each connection (and each reconnection) tries them in random order; `host` and `port` when absent"),
    USERNAME(Scope.CONNECTION, "username", String.class, "guest", "user"),
    PASSWORD(Scope.CONNECTION, "password", String.class, "guest", "password"),
    VIRTUAL_HOST(Scope.CONNECTION, "virtual-host", String.class, "/", "virtual host"),
    TLS(Scope.CONNECTION, "tls", Boolean.class, "false", "connect over TLS"),
    TLS_HOSTNAME_VERIFICATION(Scope.CONNECTION, "tls-hostname-verification", Boolean.class, "true",
                              "check that the broker's certificate names the host"),
    TLS_TRUST_STORE(Scope.CONNECTION, "tls-trust-store", String.class, null,
                    "trust store file for a private CA; the JVM's trusted CAs when absent"),
    TLS_TRUST_STORE_PASSWORD(Scope.CONNECTION, "tls-trust-store-password", String.class, null, "its password"),
    TLS_TRUST_STORE_TYPE(Scope.CONNECTION, "tls-trust-store-type", String.class, "PKCS12", "its type"),
    CONNECTION_NAME(Scope.CONNECTION, "connection-name", String.class, null,
                    "the name the broker shows for the connection; the channel name when absent"),
    HEARTBEAT_SECONDS(Scope.CONNECTION, "heartbeat-seconds", Integer.class, "30", "AMQP heartbeat"),
    CONNECTION_TIMEOUT_MS(Scope.CONNECTION, "connection-timeout-ms", Integer.class, "10000", "TCP and handshake timeout"),
    RECOVERY_INTERVAL_MS(Scope.CONNECTION, "recovery-interval-ms", Integer.class, "2000", "delay between reconnection attempts"),

    EXCHANGE(Scope.TOPOLOGY, "exchange", String.class, null, "exchange to publish to, or whose messages the queue receives"),
    ROUTING_KEY(Scope.TOPOLOGY, "routing-key", String.class, null, "routing key to publish with, and the queue's binding key"),
    QUEUE(Scope.TOPOLOGY, "queue", String.class, null, "queue to consume from (required on incoming channels)"),
    DEAD_LETTER_EXCHANGE(Scope.TOPOLOGY, "dead-letter-exchange", String.class, null, "where the queue dead-letters"),
    DEAD_LETTER_QUEUE(Scope.TOPOLOGY, "dead-letter-queue", String.class, null,
                      "queue bound to the dead-letter exchange with `#`; see `DeadLetterQueues`"),

    CONFIRM_TIMEOUT_MS(Scope.BOTH_DIRECTIONS, "confirm-timeout-ms", Integer.class, "5000",
                       "how long a publish (or a republish to the retry route) waits for the broker's confirm"),
    MAX_IN_FLIGHT(Scope.OUTGOING, "max-in-flight", Integer.class, "1024", "messages awaiting their confirm at most"),
    MANDATORY(Scope.OUTGOING, "mandatory", Boolean.class, "true", "fail a message the broker cannot route"),
    PERSISTENT(Scope.OUTGOING, "persistent", Boolean.class, "true", "publish persistent messages"),
    CONTENT_TYPE(Scope.OUTGOING, "content-type", String.class, "application/octet-stream", "content type of a message that sets none"),

    PREFETCH(Scope.INCOMING, "prefetch", Integer.class, "256", "unsettled messages at most (1 to 65535)"),
    DRAIN_TIMEOUT_MS(Scope.INCOMING, "drain-timeout-ms", Integer.class, "10000",
                     "on shutdown, how long to wait for the application to settle what it holds"),
    FAILURE_STRATEGY(Scope.INCOMING, "failure-strategy", String.class, "requeue",
                     "what a nack does: `requeue`, or `retry-queues` (retried after each of `retry-delays-ms`, then dead-lettered with the reason)"),
    RETRY_DELAYS_MS(Scope.INCOMING, "retry-delays-ms", String.class, null,
                    "with `retry-queues` (required then): the delays, comma-separated; the TTLs of the topology's retry queues"),
    RETRY_EXCHANGE(Scope.INCOMING, "retry-exchange", String.class, null, "with `retry-queues`: the retry route's exchange; `<queue>.retry` when absent"),
    QUEUE_STATS_INTERVAL_MS(Scope.BOTH_DIRECTIONS, "queue-stats-interval-ms", Long.class, "15000",
                            "how often the queues' depths are read for the metrics (0: never): an incoming channel's queue, "
                            + "its dead-letter and retry queues; an outgoing channel's `queue` and `dead-letter-queue`, if set, "
                            + "so that a backlog is seen while no consumer runs");

    /** Which channels a key applies to. */
    public enum Scope {
        CONNECTION("every channel: the connection"),
        TOPOLOGY("every channel: the topology"),
        BOTH_DIRECTIONS("every channel"),
        OUTGOING("outgoing channels"),
        INCOMING("incoming channels");

        private final String description;

        Scope(String description) {
            this.description = description;
        }
    }

    private final Scope scope;
    private final String key;
    private final Class<?> type;
    private final String defaultValue;
    private final String description;

    ConnectorAttribute(Scope scope, String key, Class<?> type, String defaultValue, String description) {
        this.scope = scope;
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    /** @return the key, as in {@code mp.messaging.incoming.<channel>.<key>} */
    public String key() {
        return key;
    }

    /** @return which channels it applies to */
    public Scope scope() {
        return scope;
    }

    /** @return its default, when it has a fixed one */
    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    /** @return what it means */
    public String description() {
        return description;
    }

    /**
     * The value in a channel's configuration, or the default.
     *
     * @param config the channel's configuration
     * @param <T>    its type
     * @return the value, empty when it is not set and has no default
     * @throws IllegalArgumentException when the value does not convert to the key's type
     */
    @SuppressWarnings("unchecked")
    public <T> Optional<T> read(Config config) {
        Class<T> as = (Class<T>) type;
        Optional<T> value = config.getOptionalValue(key, as);
        if (value.isPresent() || defaultValue == null) {
            return value;
        }
        return Optional.of(config.getConverter(as)
                                   .orElseThrow(() -> new IllegalStateException("no converter to " + as))
                                   .convert(defaultValue));
    }

    /**
     * The value, which must be set or have a default.
     *
     * @param config the channel's configuration
     * @param <T>    its type
     * @return the value
     * @throws IllegalArgumentException when it is neither set nor defaulted
     */
    public <T> T require(Config config) {
        return this.<T>read(config).orElseThrow(() -> new IllegalArgumentException("'" + key + "' is required"));
    }

    /** @return the README's table of keys: key, applies to, type, default, meaning */
    public static String markdownTable() {
        return "| Key | Applies to | Type | Default | Meaning |\n| --- | --- | --- | --- | --- |\n"
                + Arrays.stream(values())
                        .map(a -> "| `" + a.key + "` | " + a.scope.description + " | " + a.type.getSimpleName() + " | "
                                + (a.defaultValue == null ? "" : "`" + a.defaultValue + "`") + " | " + a.description + " |")
                        .collect(Collectors.joining("\n"))
                + "\n";
    }
}
