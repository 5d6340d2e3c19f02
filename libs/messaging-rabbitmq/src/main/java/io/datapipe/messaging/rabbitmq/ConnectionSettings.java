package io.datapipe.messaging.rabbitmq;

import java.time.Duration;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;

/**
 * How to reach the broker. Read from the channel's configuration, which the messaging runtime merges
 * from {@code mp.messaging.connector.datapipe-rabbitmq.*} and {@code mp.messaging.<direction>.<channel>.*}.
 *
 * @param host                  broker host ({@code host}, default {@code localhost})
 * @param port                  broker port ({@code port}, default 5672, or 5671 with TLS)
 * @param username              user ({@code username}, default {@code guest})
 * @param password              password ({@code password}, default {@code guest})
 * @param virtualHost           virtual host ({@code virtual-host}, default {@code /})
 * @param tls                   whether to use TLS ({@code tls}, default {@code false})
 * @param hostnameVerification  whether TLS checks the broker's name ({@code tls-hostname-verification},
 *                              default {@code true})
 * @param trustStore            a trust store for a private CA ({@code tls-trust-store}; the JVM's when absent)
 * @param trustStorePassword    its password ({@code tls-trust-store-password})
 * @param trustStoreType        its type ({@code tls-trust-store-type}, default {@code PKCS12})
 * @param connectionName        the name the broker shows for the connection ({@code connection-name},
 *                              default the channel name)
 * @param heartbeat             AMQP heartbeat ({@code heartbeat-seconds}, default 30)
 * @param connectionTimeout     TCP and handshake timeout ({@code connection-timeout-ms}, default 10000)
 * @param recoveryInterval      delay between reconnection attempts ({@code recovery-interval-ms},
 *                              default 2000)
 */
public record ConnectionSettings(String host,
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
        boolean tls = config.getOptionalValue("tls", Boolean.class).orElse(false);
        return new ConnectionSettings(
                config.getOptionalValue("host", String.class).orElse("localhost"),
                config.getOptionalValue("port", Integer.class).orElse(tls ? 5671 : 5672),
                config.getOptionalValue("username", String.class).orElse("guest"),
                config.getOptionalValue("password", String.class).orElse("guest"),
                config.getOptionalValue("virtual-host", String.class).orElse("/"),
                tls,
                config.getOptionalValue("tls-hostname-verification", Boolean.class).orElse(true),
                config.getOptionalValue("tls-trust-store", String.class),
                config.getOptionalValue("tls-trust-store-password", String.class),
                config.getOptionalValue("tls-trust-store-type", String.class).orElse("PKCS12"),
                config.getOptionalValue("connection-name", String.class).orElse(channelName),
                Duration.ofSeconds(config.getOptionalValue("heartbeat-seconds", Integer.class).orElse(30)),
                Duration.ofMillis(config.getOptionalValue("connection-timeout-ms", Integer.class).orElse(10_000)),
                Duration.ofMillis(config.getOptionalValue("recovery-interval-ms", Integer.class).orElse(2_000)));
    }

    @Override
    public String toString() {
        // Never print the password.
        return (tls ? "amqps://" : "amqp://") + username + "@" + host + ":" + port + "/" + virtualHost;
    }
}
