package io.datapipe.messaging.rabbitmq;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

import io.opentelemetry.context.Context;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * A message to publish, with the AMQP properties the connector cannot guess: message id, content
 * type, headers and an optional routing key that overrides the channel's. Any other
 * {@link Message} can be sent too; it gets a random message id and the channel's defaults.
 *
 * <p>The connector calls {@link #ack()} once the broker has confirmed the message, and
 * {@link #nack(Throwable)} with a {@link RabbitMqPublishException} when it did not.
 *
 * @param <T> payload type: {@code byte[]} or {@code String} (sent as UTF-8)
 */
public final class OutgoingRabbitMqMessage<T> implements Message<T> {

    private final T payload;
    private final String messageId;
    private final String contentType;
    private final String routingKey;
    private final Map<String, Object> headers;
    private final Supplier<CompletionStage<Void>> ack;
    private final Function<Throwable, CompletionStage<Void>> nack;
    private final Context traceContext;

    private OutgoingRabbitMqMessage(Builder<T> builder) {
        this.payload = builder.payload;
        this.messageId = builder.messageId;
        this.contentType = builder.contentType;
        this.routingKey = builder.routingKey;
        this.headers = Map.copyOf(builder.headers);
        this.ack = builder.ack;
        this.nack = builder.nack;
        this.traceContext = Context.current();
    }

    /**
     * Starts a message.
     *
     * @param payload the body
     * @param <T>     payload type
     * @return a builder
     */
    public static <T> Builder<T> builder(T payload) {
        return new Builder<>(payload);
    }

    @Override
    public T getPayload() {
        return payload;
    }

    @Override
    public Supplier<CompletionStage<Void>> getAck() {
        return ack;
    }

    @Override
    public Function<Throwable, CompletionStage<Void>> getNack() {
        return nack;
    }

    /** @return the {@code message-id} property, when set */
    public Optional<String> messageId() {
        return Optional.ofNullable(messageId);
    }

    /** @return the {@code content-type} property, when set */
    public Optional<String> contentType() {
        return Optional.ofNullable(contentType);
    }

    /** @return the routing key, when it overrides the channel's */
    public Optional<String> routingKey() {
        return Optional.ofNullable(routingKey);
    }

    /** @return the headers */
    public Map<String, Object> headers() {
        return headers;
    }

    /**
     * The trace context the message was made in, so that its publish span joins the trace of the request
     * that made it, whichever thread publishes it.
     *
     * @return the OpenTelemetry context current when the message was built
     */
    public Context traceContext() {
        return traceContext;
    }

    /**
     * Builds an {@link OutgoingRabbitMqMessage}.
     *
     * @param <T> payload type
     */
    public static final class Builder<T> {
        private final T payload;
        private final Map<String, Object> headers = new LinkedHashMap<>();
        private String messageId;
        private String contentType;
        private String routingKey;
        private Supplier<CompletionStage<Void>> ack = () -> CompletableFuture.completedFuture(null);
        private Function<Throwable, CompletionStage<Void>> nack = reason -> CompletableFuture.completedFuture(null);

        private Builder(T payload) {
            this.payload = Objects.requireNonNull(payload, "payload");
        }

        public Builder<T> messageId(String messageId) {
            this.messageId = messageId;
            return this;
        }

        public Builder<T> contentType(String contentType) {
            this.contentType = contentType;
            return this;
        }

        public Builder<T> routingKey(String routingKey) {
            this.routingKey = routingKey;
            return this;
        }

        public Builder<T> header(String name, Object value) {
            headers.put(name, value);
            return this;
        }

        public Builder<T> headers(Map<String, ?> headers) {
            this.headers.putAll(headers);
            return this;
        }

        /** Called when the broker confirmed the message. */
        public Builder<T> onAck(Supplier<CompletionStage<Void>> ack) {
            this.ack = Objects.requireNonNull(ack);
            return this;
        }

        /** Called with the reason when the message was not confirmed. */
        public Builder<T> onNack(Function<Throwable, CompletionStage<Void>> nack) {
            this.nack = Objects.requireNonNull(nack);
            return this;
        }

        /**
         * Completes {@code confirmed} when the broker confirms, or completes it exceptionally with the
         * reason it did not.
         *
         * @param confirmed the future to complete
         * @return this builder
         */
        public Builder<T> completing(CompletableFuture<Void> confirmed) {
            this.ack = () -> {
                confirmed.complete(null);
                return CompletableFuture.completedFuture(null);
            };
            this.nack = reason -> {
                confirmed.completeExceptionally(reason);
                return CompletableFuture.completedFuture(null);
            };
            return this;
        }

        public OutgoingRabbitMqMessage<T> build() {
            return new OutgoingRabbitMqMessage<>(this);
        }
    }
}
