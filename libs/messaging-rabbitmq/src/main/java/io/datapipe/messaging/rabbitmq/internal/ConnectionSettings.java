package io.datapipe.messaging.rabbitmq.internal;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;

import com.rabbitmq.client.Address;
import org.eclipse.microprofile.config.Config;

import static io.datapipe.messaging.rabbitmq.ConnectorAttribute.*;

/**
 * How to reach the broker, read from the channel's configuration (which the messaging runtime merges
 * from {@code mp.messaging.connector.datapipe-rabbitmq.*} and {@code mp.messaging.<direction>.<channel>.*});
 * the keys and their defaults are {@link ConnectorAttribute}'s.
 */
record ConnectionSettings(List<Address> addresses,
                                 String username,
                                 String password,
                                 String virtualHost,
                                 boolean tls,
                                 boolean hostnameVerification,
                                 Optional<String> trustStore,
                                 Optional<String> trustStorePassword,
                                 String trustStoreType,
                                 String connectionName,
                                 Duration heartbeat,
                                 Duration connectionTimeout,
                                 Duration recoveryInterval) {

    static ConnectionSettings from(Config config, String channelName) {
        boolean tls = TLS.require(config);
        int defaultPort = tls ? 5671 : 5672;
        List<Address> addresses = ADDRESSES.<String>read(config)
                .map(list -> addresses(list, defaultPort, channelName))
                .orElseGet(() -> List.of(new Address(HOST.require(config), PORT.<Integer>read(config).orElse(defaultPort))));
        return new ConnectionSettings(
                addresses,
                USERNAME.require(config),
                PASSWORD.require(config),
                VIRTUAL_HOST.require(config),
                tls,
                TLS_HOSTNAME_VERIFICATION.require(config),
                TLS_TRUST_STORE.read(config),
                TLS_TRUST_STORE_PASSWORD.read(config),
                TLS_TRUST_STORE_TYPE.require(config),
                CONNECTION_NAME.<String>read(config).orElse(channelName),
                Duration.ofSeconds(HEARTBEAT_SECONDS.<Integer>require(config)),
                Duration.ofMillis(CONNECTION_TIMEOUT_MS.<Integer>require(config)),
                Duration.ofMillis(RECOVERY_INTERVAL_MS.<Integer>require(config)));
    }

    /** {@code host:port,host:port}, a port left out meaning the default one. */
    private static List<Address> addresses(String list, int defaultPort, String channelName) {
        try {
            List<Address> addresses = List.of(Address.parseAddresses(list)).stream()
                    .map(a -> a.getPort() < 0 ? new Address(a.getHost(), defaultPort) : a)
                    .toList();
            if (addresses.isEmpty() || addresses.stream().anyMatch(a -> a.getHost().isBlank())) {
                throw new IllegalArgumentException("no host");
            }
            return addresses;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("'addresses' of channel " + channelName + " must be host:port,host:port,..., not '"
                                                       + list + "' (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public String toString() {
        // Never print the password.
        return (tls ? "amqps://" : "amqp://") + username + "@"
                + String.join(",", addresses.stream().map(a -> a.getHost() + ":" + a.getPort()).toList()) + "/" + virtualHost;
    }
}
