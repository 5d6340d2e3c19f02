package io.datapipe.generator;

import java.util.Map;

import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import jakarta.inject.Inject;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** With no broker to talk to, POST answers 503 with Retry-After, and the service says it is not ready. */
@HelidonTest
@Configuration(useExisting = true)
class BrokerUnavailableTest {

    private static TestTopology topology;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        topology = TestConfig.registerWithBroker("unavailable", Map.of("datapipe.rabbitmq.port", "1"));
    }

    @AfterAll
    static void cleanUp() {
        TestConfig.release(topology);
    }

    @Test
    void answers503WithRetryAfterAndIsNotReady() {
        Response response = target.path("/data").request()
                .header("Authorization", "Bearer " + TestTokens.get().token("alice", "data.write"))
                .post(Entity.entity("{\"a\":1}", MediaType.APPLICATION_JSON));

        assertThat(response.getStatus()).isEqualTo(503);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("5");
        assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
        assertThat(response.readEntity(String.class)).contains("\"status\":503");

        Response ready = target.path("/health/ready").request().get();
        assertThat(ready.getStatus()).isEqualTo(503);
        assertThat(ready.readEntity(String.class)).contains("CONNECTING");
    }
}
