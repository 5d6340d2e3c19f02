package io.datapipe.generator;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestRabbitMq;
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
import static org.awaitility.Awaitility.await;

/**
 * The bound on request bodies held at once ({@link BodyBudget}), through real HTTP and a real broker, with a
 * budget of 64 KiB: a body declared larger than what is left is refused with 503 before it is read, and every
 * answered request gives its share back.
 */
@HelidonTest
@Configuration(useExisting = true)
class BodyBudgetTest {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static TestTopology topology;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        topology = TestConfig.registerWithBroker("budget", Map.of("datapipe.generator.max-body-bytes-in-flight", "65536"));
    }

    @AfterAll
    static void cleanUp() {
        TestConfig.release(topology);
    }

    @Test
    void refusesABodyOverTheBudgetBeforeReadingItAndGivesEveryShareBack() {
        await().atMost(Duration.ofSeconds(20)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        StringBuilder big = new StringBuilder("[");
        for (int i = 0; i < 40; i++) {
            big.append(i == 0 ? "" : ",").append("{\"text\":\"").append("x".repeat(2_000)).append("\"}");
        }
        Response refused = post("/data/batch", big.append(']').toString());
        assertThat(refused.getStatus()).as("80 KB declared, 64 KiB budget").isEqualTo(503);
        assertThat(refused.getHeaderString("Retry-After")).isEqualTo("1");
        assertThat(refused.readEntity(String.class)).contains("MiB of request bodies already");
        assertThat(BROKER.messageCount(topology.queue())).isZero();

        // Each of these reserves 1 KiB of the 64: without their shares given back the 65th would be refused.
        for (int i = 0; i < 100; i++) {
            assertThat(post("/data", "{\"n\":" + i + "}").getStatus()).as("single POST %d", i).isEqualTo(202);
        }
        assertThat(post("/data/batch", "[{\"n\":1},{\"n\":2}]").getStatus()).isEqualTo(202);
    }

    private Response post(String path, String body) {
        return target.path(path).request()
                .header("Authorization", "Bearer " + TestTokens.get().token("budget-" + UUID.randomUUID(), "data.write"))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .post(Entity.entity(body.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON));
    }
}
