package io.datapipe.messaging.rabbitmq.internal;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.datapipe.messaging.rabbitmq.ChannelState;
import io.datapipe.messaging.rabbitmq.ChannelStatus;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.Recoverable;
import com.rabbitmq.client.RecoveryListener;
import com.rabbitmq.client.ShutdownSignalException;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * One messaging channel's link to the broker: its own AMQP connection and channel.
 *
 * <p>Reconnection is the RabbitMQ client's automatic recovery: after a connection loss it reopens the
 * connection, its channels (with their prefetch and confirm mode) and the consumers. What the client does not cover is done here: the first connection (retried until the
 * broker answers) and a channel closed by the broker on its own (a channel-level error such as a
 * deleted exchange), which is reopened.
 *
 * <p>Each (re)opened or lost channel starts a new <em>generation</em>. Delivery tags and publish
 * sequence numbers are only meaningful within their generation; every use of them happens under
 * {@link #channelLock} after checking the generation, so an acknowledgement can never reach a
 * channel that did not deliver the message.
 */
abstract class BrokerLink {

    private static final System.Logger LOGGER = System.getLogger(BrokerLink.class.getName());

    /** Work on the current channel that may fail with an I/O error. */
    @FunctionalInterface
    interface ChannelAction {
        void run(Channel channel) throws IOException;
    }

    protected final String channelName;
    protected final ConnectionSettings connectionSettings;
    protected final TopologySettings topology;
    protected final ScheduledExecutorService scheduler;
    protected final ChannelMetrics metrics;
    /** Guards {@link #channel} and {@link #generation}, and every use of delivery tags and sequence numbers. */
    protected final ReentrantLock channelLock = new ReentrantLock();

    private final ConnectionFactory factory;
    private volatile Connection connection;
    private volatile Channel channel;
    private volatile long generation;
    private volatile ChannelState state = ChannelState.CONNECTING;
    private volatile String lastError;
    /** Why the broker blocks this connection's publishing ({@code connection.blocked}), or {@code null}. */
    private volatile String blockedBecause;
    private volatile boolean closed;

    BrokerLink(String channelName, ConnectionSettings connectionSettings, TopologySettings topology,
             ScheduledExecutorService scheduler, ChannelMetrics metrics) {
        this.channelName = channelName;
        this.connectionSettings = connectionSettings;
        this.topology = topology;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.factory = connectionFactory(connectionSettings);
        metrics.register(direction());
        metrics.connection(direction(), () -> state == ChannelState.UP);
    }

    /** @return {@code incoming} or {@code outgoing} */
    abstract String direction();

    /**
     * Sets up a freshly opened channel: confirm mode and listeners, or prefetch and the consumer.
     * Not called after automatic recovery, which restores these by itself.
     */
    protected abstract void setUp(Channel channel) throws IOException;

    /**
     * The channel was lost (connection failure, broker-side close or application close). Called under
     * {@link #channelLock}, after the generation moved on; must not block.
     */
    protected abstract void onChannelLost(ShutdownSignalException cause);

    final void start() {
        scheduler.execute(this::connect);
    }

    final ChannelStatus status() {
        String blocked = blockedBecause;
        if (blocked != null && state == ChannelState.UP) {
            return new ChannelStatus(channelName, direction(), ChannelState.BLOCKED,
                                     Optional.of("the broker blocks publishing: " + blocked));
        }
        return new ChannelStatus(channelName, direction(), state, Optional.ofNullable(lastError));
    }

    /**
     * Why the broker blocks publishing on this connection (a memory or disk alarm), if it does: a publish
     * now would wait, unconfirmed, until the alarm clears.
     *
     * @return the broker's reason, empty while publishing flows
     */
    final Optional<String> blockedBecause() {
        return Optional.ofNullable(blockedBecause);
    }

    final boolean isClosed() {
        return closed;
    }

    final long generation() {
        return generation;
    }

    /**
     * Runs an action on the current channel if it is still the one of the given generation.
     *
     * @return {@code false} when the channel of that generation is gone
     */
    final boolean runIfCurrent(long expectedGeneration, ChannelAction action) throws IOException {
        channelLock.lock();
        try {
            Channel current = channel;
            if (current == null || generation != expectedGeneration || !current.isOpen()) {
                return false;
            }
            action.run(current);
            return true;
        } finally {
            channelLock.unlock();
        }
    }

    /** The connection, or {@code null} before the first one. */
    final Connection connection() {
        return connection;
    }

    /** The current channel, or {@code null}; callers hold {@link #channelLock}. */
    final Channel currentChannel() {
        return channel;
    }

    /** Stops for good: closes the channel and the connection. */
    void close() {
        closed = true;
        state = ChannelState.CLOSED;
        Connection current = connection;
        if (current != null) {
            try {
                current.close(5_000);
            } catch (IOException | RuntimeException e) {
                LOGGER.log(DEBUG, () -> "closing connection of channel " + channelName + ": " + e);
            }
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            Connection current = connection;
            if (current == null) {
                current = factory.newConnection(connectionSettings.addresses(), connectionSettings.connectionName());
                watch(current);
                connection = current;
                LOGGER.log(INFO, () -> "channel " + channelName + " connected to " + connectionSettings);
            }
            openChannel(current);
        } catch (IOException | TimeoutException | RuntimeException e) {
            lastError = describe(e);
            LOGGER.log(WARNING, () -> "channel " + channelName + " cannot reach " + connectionSettings + ": " + lastError
                    + "; retrying in " + connectionSettings.recoveryInterval().toMillis() + " ms");
            retryLater(this::connect);
        }
    }

    private void openChannel(Connection current) throws IOException {
        Channel opened = current.createChannel();
        try {
            channelLock.lock();
            try {
                generation++;
                channel = opened;
            } finally {
                channelLock.unlock();
            }
            opened.addShutdownListener(cause -> channelShutdown(opened, cause));
            setUp(opened);
        } catch (IOException | RuntimeException e) {
            closeQuietly(opened);
            throw e;
        }
        state = ChannelState.UP;
        lastError = null;
    }

    private void channelShutdown(Channel lost, ShutdownSignalException cause) {
        channelLock.lock();
        try {
            if (channel != lost) {
                return;
            }
            generation++;
            onChannelLost(cause);
        } finally {
            channelLock.unlock();
        }
        if (closed || cause.isInitiatedByApplication()) {
            return;
        }
        lastError = describe(cause);
        state = ChannelState.RECOVERING;
        if (cause.isHardError()) {
            // The connection is gone; automatic recovery brings it back with this channel.
            LOGGER.log(WARNING, () -> "channel " + channelName + " lost its connection: " + lastError);
        } else {
            // A channel-level error: the broker closed this channel only, which the client does not recover.
            LOGGER.log(WARNING, () -> "channel " + channelName + " was closed by the broker: " + lastError
                    + "; reopening");
            retryLater(this::reopenChannel);
        }
    }

    /** Replaces the current channel with a new one (for example after the broker cancelled the consumer). */
    final void reopenChannel() {
        if (closed) {
            return;
        }
        Connection current = connection;
        if (current == null || !current.isOpen()) {
            // Automatic recovery is still at work; it restores the channel, or we try again.
            retryLater(this::reopenChannel);
            return;
        }
        Channel old = channel;
        if (old != null && old.isOpen()) {
            closeQuietly(old);
        }
        try {
            openChannel(current);
            LOGGER.log(INFO, () -> "channel " + channelName + " reopened");
        } catch (IOException | RuntimeException e) {
            lastError = describe(e);
            LOGGER.log(WARNING, () -> "channel " + channelName + " cannot be reopened: " + lastError);
            retryLater(this::reopenChannel);
        }
    }

    final void retryLater(Runnable task) {
        if (!closed && !scheduler.isShutdown()) {
            scheduler.schedule(task, connectionSettings.recoveryInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void watch(Connection current) {
        // The broker blocks publishers while a resource alarm is on; the client kept them (and the reason) in
        // place across recoveries. A new connection starts unblocked: recovery clears the flag below.
        current.addBlockedListener(reason -> {
            blockedBecause = reason;
            LOGGER.log(WARNING, () -> "channel " + channelName + ": the broker blocks publishing: " + reason);
        }, () -> {
            blockedBecause = null;
            LOGGER.log(INFO, () -> "channel " + channelName + ": the broker accepts publishing again");
        });
        current.addShutdownListener(cause -> {
            if (!cause.isInitiatedByApplication() && !closed) {
                state = ChannelState.RECOVERING;
                lastError = describe(cause);
            }
        });
        if (current instanceof Recoverable recoverable) {
            recoverable.addRecoveryListener(new RecoveryListener() {
                @Override
                public void handleRecovery(Recoverable recovered) {
                    blockedBecause = null;
                    Channel open = channel;
                    if (open != null && open.isOpen()) {
                        state = ChannelState.UP;
                        lastError = null;
                        LOGGER.log(INFO, () -> "channel " + channelName + " recovered its connection");
                    } else {
                        reopenChannel();
                    }
                }

                @Override
                public void handleRecoveryStarted(Recoverable recovering) {
                    state = ChannelState.RECOVERING;
                }
            });
        }
    }

    static void closeQuietly(Channel channel) {
        try {
            if (channel.isOpen()) {
                channel.close();
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            LOGGER.log(DEBUG, () -> "closing channel: " + e);
        }
    }

    static String describe(Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof javax.net.ssl.SSLHandshakeException handshake) {
                // The JSSE message says what failed (an unknown issuer, a host name the certificate does not
                // name); say where to look.
                return "TLS handshake refused: " + handshake.getMessage()
                        + " (the broker's certificate must chain to a CA in the trust store - tls-trust-store, or the JVM's"
                        + " - and name the host connected to; tls-hostname-verification checks the name)";
            }
        }
        if (e instanceof ShutdownSignalException shutdown) {
            Object reason = shutdown.getReason();
            return reason == null ? String.valueOf(shutdown.getMessage()) : reason.toString();
        }
        Throwable cause = e.getCause();
        String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return cause == null || cause == e ? message : message + " (" + describe(cause) + ")";
    }

    private static ConnectionFactory connectionFactory(ConnectionSettings settings) {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUsername(settings.username());
        factory.setPassword(settings.password());
        factory.setVirtualHost(settings.virtualHost());
        factory.setRequestedHeartbeat((int) settings.heartbeat().toSeconds());
        factory.setConnectionTimeout((int) settings.connectionTimeout().toMillis());
        factory.setHandshakeTimeout((int) settings.connectionTimeout().toMillis());
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        factory.setNetworkRecoveryInterval(settings.recoveryInterval().toMillis());
        if (settings.tls()) {
            factory.useSslProtocol(sslContext(settings));
            if (settings.hostnameVerification()) {
                factory.enableHostnameVerification();
            }
        }
        return factory;
    }

    private static SSLContext sslContext(ConnectionSettings settings) {
        try {
            if (settings.trustStore().isEmpty()) {
                return SSLContext.getDefault();
            }
            KeyStore trustStore = KeyStore.getInstance(settings.trustStoreType());
            char[] password = settings.trustStorePassword().map(String::toCharArray).orElse(null);
            try (InputStream in = new FileInputStream(settings.trustStore().get())) {
                trustStore.load(in, password);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trustStore);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for RabbitMQ with trust store "
                                                    + settings.trustStore().orElse("(JVM default)"), e);
        }
    }
}
