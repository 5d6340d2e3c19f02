package io.datapipe.web;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.Map;

import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestTokens;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import jakarta.inject.Inject;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A database that does not answer: reads are 503 with Retry-After, and readiness says so. */
@HelidonTest
@Configuration(useExisting = true)
class DatabaseUnavailableTest {

    private static final TestTokens TOKENS = TestTokens.get();

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Map<String, String> config = new HashMap<>(TOKENS.serviceConfig());
        config.put("datapipe.db.url", "jdbc:postgresql://127.0.0.1:" + closedPort + "/datapipe");
        config.put("datapipe.db.connect-timeout-ms", "500");
        config.put("datapipe.web.retry-after-seconds", "7");
        TestConfig.register(config);
    }

    @AfterAll
    static void cleanUp() {
        TestConfig.release();
    }

    @Test
    void aReadIsAnswered503WithRetryAfter() {
        String alice = TOKENS.token("alice", "data.read");
        for (String path : new String[] {"/data", "/data/" + java.util.UUID.randomUUID()}) {
            Response response = target.path(path).request().header("Authorization", "Bearer " + alice).get();

            assertThat(response.getStatus()).as(path).isEqualTo(503);
            assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
            assertThat(response.getHeaderString("Retry-After")).isEqualTo("7");
            assertThat(response.readEntity(String.class)).contains("\"status\":503").contains("the database is unavailable");
        }
        assertThat(target.path("/health/ready").request().get().getStatus()).isEqualTo(503);
    }
}
