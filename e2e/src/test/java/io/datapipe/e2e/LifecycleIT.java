package io.datapipe.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A service's life as Kubernetes drives it: not ready until its start-up is over, and a SIGTERM at any
 * moment after that gets the graceful shutdown, with its log lines.
 */
class LifecycleIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();

    @Test
    void aSigtermRightAfterReadinessGetsTheGracefulShutdownAndItsLogLines() throws Exception {
        try (TestTopology topology = BROKER.topology("lifecycle")) {
            // The JDK's logging shutdown hook used to win this race most times, so one start would prove
            // little: three in a row, each stopped the moment it reports ready.
            for (int attempt = 1; attempt <= 3; attempt++) {
                ServiceProcess generator = ServiceProcess.start("generator", config(topology));
                generator.awaitReady(Duration.ofSeconds(120), Duration.ofMillis(10));
                int status = generator.terminate();

                assertThat(status).as("exit status after SIGTERM").isIn(0, 143);
                assertThat(Files.readString(generator.log())).as("attempt %d: %s", attempt, generator.log())
                        .contains("Helidon WebServer stopped all channels")
                        .contains("stopping RabbitMQ channels");
            }
        }
    }

    @Test
    void startUpIsAReadinessAndAStartedCheck() throws Exception {
        try (TestTopology topology = BROKER.topology("lifecycle");
             ServiceProcess generator = ServiceProcess.start("generator", config(topology))) {
            generator.awaitReady();
            HttpClient http = HttpClient.newHttpClient();
            for (String path : new String[] {"/health/ready", "/health/started"}) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(generator.uri(path)).GET().build(),
                                                          HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(path).isEqualTo(200);
                JsonNode startup = null;
                for (JsonNode check : new ObjectMapper().readTree(response.body()).get("checks")) {
                    if (check.get("name").asText().equals("startup")) {
                        startup = check;
                    }
                }
                assertThat(startup).as("startup check on " + path).isNotNull();
                assertThat(startup.get("status").asText()).isEqualTo("UP");
            }
        }
    }

    private static Map<String, String> config(TestTopology topology) {
        Map<String, String> config = new HashMap<>(TestConfig.messaging(BROKER, topology));
        config.putAll(TestTokens.get().serviceConfig());
        return config;
    }
}
