package io.datapipe.messaging.rabbitmq.internal;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

import io.datapipe.messaging.rabbitmq.DeadLetterException;
import io.datapipe.messaging.rabbitmq.IncomingRabbitMqMetadata;

import com.rabbitmq.client.Delivery;
import io.opentelemetry.context.Context;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * A message delivered from a RabbitMQ queue. Its payload is the body as delivered; what else the broker
 * delivered is its {@link IncomingRabbitMqMetadata}, reached through {@link #unwrap(Class)}.
 *
 * <p>{@link #ack()} acknowledges the delivery to the broker; {@link #nack(Throwable)} hands it to the
 * channel's failure policy (requeue, or the retry route; at once to the dead-letter exchange when the
 * reason is a {@link DeadLetterException}). The first settlement wins; later ones do nothing. A message
 * whose channel was lost before it was settled cannot be settled any more: the broker delivers it again.
 */
final class IncomingRabbitMqMessage implements Message<byte[]> {

    private final Delivery delivery;
    private final IncomingRabbitMqMetadata metadata;
    private final long generation;
    private final IncomingLink link;
    private final AtomicBoolean settled = new AtomicBoolean();

    IncomingRabbitMqMessage(Delivery delivery, long generation, IncomingLink link) {
        this.delivery = delivery;
        this.metadata = new IncomingRabbitMqMetadata(delivery.getProperties(), delivery.getEnvelope(), Context.current());
        this.generation = generation;
        this.link = link;
    }

    @Override
    public byte[] getPayload() {
        return delivery.getBody();
    }

    @Override
    public CompletionStage<Void> ack() {
        return link.ack(this);
    }

    @Override
    public CompletionStage<Void> nack(Throwable reason) {
        return link.nack(this, reason);
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
        if (type.isInstance(metadata)) {
            return type.cast(metadata);
        }
        if (type.isInstance(delivery)) {
            return type.cast(delivery);
        }
        throw new IllegalArgumentException("cannot unwrap a RabbitMQ message to " + type.getName());
    }

    IncomingRabbitMqMetadata metadata() {
        return metadata;
    }

    long deliveryTag() {
        return delivery.getEnvelope().getDeliveryTag();
    }

    long generation() {
        return generation;
    }

    boolean claim() {
        return settled.compareAndSet(false, true);
    }
}
