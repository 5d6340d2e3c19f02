package io.datapipe.messaging.rabbitmq.internal;

import java.time.Duration;
import java.util.Optional;

import io.datapipe.messaging.rabbitmq.ConnectorAttribute;

import org.eclipse.microprofile.config.Config;

import static io.datapipe.messaging.rabbitmq.ConnectorAttribute.*;

/**
 * How to reach the broker, read from the channel's configuration (which the messaging runtime merges
 * from {@code mp.messaging.connector.datapipe-rabbitmq.*} and {@code mp.messaging.<direction>.<channel>.*});
 * the keys and their defaults are {@link ConnectorAttribute}'s.
 */
record ConnectionSettings(String host,
                                 int port,
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
        return new ConnectionSettings(
                HOST.require(config),
                PORT.<Integer>read(config).orElse(tls ? 5671 : 5672),
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

    @Override
    public String toString() {
        // Never print the password.
        return (tls ? "amqps://" : "amqp://") + username + "@" + host + ":" + port + "/" + virtualHost;
    }
}
