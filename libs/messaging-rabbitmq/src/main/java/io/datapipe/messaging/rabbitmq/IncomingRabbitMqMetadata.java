package io.datapipe.messaging.rabbitmq;

import java.util.Map;
import java.util.Optional;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Envelope;
import io.opentelemetry.context.Context;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * What the broker delivered with a message, beside its body: the AMQP properties and headers, the
 * envelope (delivery tag, redelivery flag, routing key) and the trace context. Every message of an
 * incoming channel carries it; get it with {@link #of(Message)}, or {@code message.unwrap(IncomingRabbitMqMetadata.class)}.
 *
 * @param properties   the AMQP properties
 * @param envelope     the envelope: exchange, routing key, delivery tag, redelivery flag
 * @param traceContext the trace context of the delivery (with the OpenTelemetry agent: the consumer's span,
 *                     a child of the publisher's trace carried in the message headers); processing on another
 *                     thread makes it current, or links to it, so that the work joins the message's trace
 */
public record IncomingRabbitMqMetadata(AMQP.BasicProperties properties, Envelope envelope, Context traceContext) {

    /** Header in which quorum queues count earlier deliveries of a message. */
    public static final String DELIVERY_COUNT_HEADER = "x-delivery-count";

    /**
     * The metadata of a message, when it came from this connector.
     *
     * @param message any message
     * @return its RabbitMQ metadata, or empty for a message from elsewhere
     */
    public static Optional<IncomingRabbitMqMetadata> of(Message<?> message) {
        try {
            return Optional.of(message.unwrap(IncomingRabbitMqMetadata.class));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** @return the {@code message-id} property, when set */
    public Optional<String> messageId() {
        return Optional.ofNullable(properties.getMessageId());
    }

    /** @return the {@code content-type} property, when set */
    public Optional<String> contentType() {
        return Optional.ofNullable(properties.getContentType());
    }

    /** @return the headers, never {@code null} */
    public Map<String, Object> headers() {
        Map<String, Object> headers = properties.getHeaders();
        return headers == null ? Map.of() : headers;
    }

    /**
     * A header as text (AMQP long strings are decoded).
     *
     * @param name header name
     * @return its value as text, when present
     */
    public Optional<String> header(String name) {
        Object value = headers().get(name);
        return value == null ? Optional.empty() : Optional.of(value.toString());
    }

    /** @return whether the broker flagged this delivery as a redelivery */
    public boolean isRedelivered() {
        return envelope.isRedeliver();
    }

    /** @return earlier deliveries of this message, as counted by a quorum queue (0 on the first) */
    public long deliveryCount() {
        Object count = headers().get(DELIVERY_COUNT_HEADER);
        return count instanceof Number number ? number.longValue() : 0;
    }

    /** @return the routing key the message was published with */
    public String routingKey() {
        return envelope.getRoutingKey();
    }

    /** @return the delivery tag, meaningful on the channel that delivered the message only */
    public long deliveryTag() {
        return envelope.getDeliveryTag();
    }
}
