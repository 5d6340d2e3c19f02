package io.datapipe.messaging.rabbitmq;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.reactive.messaging.spi.Connector;

/**
 * Readiness of the RabbitMQ channels: up when every channel is connected. While a channel
 * reconnects the service is not ready, so Kubernetes stops sending it traffic; each channel's state
 * and last error are in the response for the operator.
 */
@Readiness
@ApplicationScoped
public class RabbitMqHealthCheck implements HealthCheck {

    private final RabbitMqConnector connector;

    @Inject
    RabbitMqHealthCheck(@Connector(RabbitMqConnector.NAME) RabbitMqConnector connector) {
        this.connector = connector;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("rabbitmq");
        boolean up = true;
        for (ChannelStatus status : connector.status()) {
            up &= status.isUp();
            response.withData(status.direction() + "." + status.channel(),
                              status.state() + status.lastError().map(error -> ": " + error).orElse(""));
        }
        return response.status(up).build();
    }
}
