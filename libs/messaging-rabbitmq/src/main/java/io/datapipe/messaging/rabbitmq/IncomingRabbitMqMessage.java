package io.datapipe.messaging.rabbitmq;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import io.opentelemetry.context.Context;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * A message delivered from a RabbitMQ queue. Its payload is the body as delivered; the AMQP properties
 * and envelope are available through the accessors.
 *
 * <p>{@link #ack()} acknowledges the delivery to the broker; {@link #nack(Throwable)} requeues it,
 * unless the reason is a {@link DeadLetterException}, in which case it is rejected so the queue
 * dead-letters it. The first settlement wins; later ones do nothing. A message whose channel was lost
 * before it was settled cannot be settled any more: the broker delivers it again.
 */
public final class IncomingRabbitMqMessage implements Message<byte[]> {

    /** Header in which quorum queues count earlier deliveries of a message. */
    public static final String DELIVERY_COUNT_HEADER = "x-delivery-count";

    private final Delivery delivery;
    private final long generation;
    private final IncomingEndpoint endpoint;
    private final AtomicBoolean settled = new AtomicBoolean();
    private final Context traceContext;

    IncomingRabbitMqMessage(Delivery delivery, long generation, IncomingEndpoint endpoint) {
        this.delivery = delivery;
        this.generation = generation;
        this.endpoint = endpoint;
        this.traceContext = Context.current();
    }

    /**
     * The trace context of the delivery (with the OpenTelemetry agent: the consumer's process span, a child
     * of the publisher's trace carried in the message headers). Processing on another thread makes it
     * current, or links to it, so the work joins the message's trace.
     *
     * @return the OpenTelemetry context current when the message was delivered
     */
    public Context traceContext() {
        return traceContext;
    }

    @Override
    public byte[] getPayload() {
        return delivery.getBody();
    }

    @Override
    public CompletionStage<Void> ack() {
        return endpoint.ack(this);
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason) {
        return endpoint.nack(this, reason);
    }

    @Override
    public Supplier<CompletionStage<Void>> getAck() {
        return this::ack;
    }

    @Override
    public Function<Throwable, CompletionStage<Void>> getNack() {
        return this::nack;
    }

    @Override
    public <C> C unwrap(Class<C> type) {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        if (type.isInstance(delivery)) {
            return type.cast(delivery);
        }
        throw new IllegalArgumentException("cannot unwrap a RabbitMQ message to " + type.getName());
    }

    /** @return the AMQP properties */
    public AMQP.BasicProperties properties() {
        return delivery.getProperties();
    }

    /** @return the envelope: exchange, routing key, delivery tag, redelivery flag */
    public Envelope envelope() {
        return delivery.getEnvelope();
    }

    /** @return the {@code message-id} property, when set */
    public Optional<String> messageId() {
        return Optional.ofNullable(properties().getMessageId());
    }

    /** @return the {@code content-type} property, when set */
    public Optional<String> contentType() {
        return Optional.ofNullable(properties().getContentType());
    }

    /** @return the headers, never {@code null} */
    public Map<String, Object> headers() {
        Map<String, Object> headers = properties().getHeaders();
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
        return envelope().isRedeliver();
    }

    /** @return earlier deliveries of this message, as counted by a quorum queue (0 on the first) */
    public long deliveryCount() {
        Object count = headers().get(DELIVERY_COUNT_HEADER);
        return count instanceof Number number ? number.longValue() : 0;
    }

    /** @return the routing key the message was published with */
    public String routingKey() {
        return envelope().getRoutingKey();
    }

    long deliveryTag() {
        return envelope().getDeliveryTag();
    }

    long generation() {
        return generation;
    }

    boolean claim() {
        return settled.compareAndSet(false, true);
    }
}
