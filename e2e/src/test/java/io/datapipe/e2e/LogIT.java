package io.datapipe.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
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
import static org.awaitility.Awaitility.await;

/**
 * The logs of a run: one JSON object per line, carrying the trace id of the request that produced them
 * and the caller, and never the token the caller sent or the payload; the failed request has its access
 * log line (method, route, status, duration), found by the same trace id.
 */
class LogIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void logLinesAreJsonCarryTheTraceAndNeverTheToken() throws Exception {
        TestTokens tokens = TestTokens.get();
        try (TestTopology topology = TestRabbitMq.get().topology("logs")) {
            Map<String, String> config = new HashMap<>(TestConfig.messaging(TestRabbitMq.get(), topology));
            config.putAll(tokens.serviceConfig());
            // No broker to talk to: the POST below fails with 503, and the generator logs why.
            config.put("datapipe.rabbitmq.port", "1");
            config.put("datapipe.rabbitmq.addresses", "127.0.0.1:1");
            Map<String, String> otel = Map.of("OTEL_SERVICE_NAME", "datapipe-generator", "OTEL_TRACES_EXPORTER", "none",
                                              "OTEL_METRICS_EXPORTER", "none", "OTEL_LOGS_EXPORTER", "none");
            String token = tokens.token("alice", "data.write");
            String secretPayload = "{\"card\":\"4111-1111-1111-1111\"}";
            try (ServiceProcess generator = ServiceProcess.launch("generator").config(config).withAgent().environment(otel).start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> generator.statusOf("/health/live") == 200);
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(generator.uri("/data"))
                                .header("Authorization", "Bearer " + token)
                                .header("Content-Type", "application/json")
                                .header("traceparent", "00-" + TRACE_ID + "-00f067aa0ba902b7-01")
                                .POST(HttpRequest.BodyPublishers.ofString(secretPayload))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).isEqualTo(503);

                JsonNode warning = await().atMost(Duration.ofSeconds(10)).until(
                        () -> jsonLines(generator).stream()
                                .filter(line -> line.path("level").asText().equals("WARNING")
                                        && line.path("message").asText().contains("broker"))
                                .findFirst().orElse(null),
                        line -> line != null);
                assertThat(warning.get("trace_id").asText()).as("trace id of the request").isEqualTo(TRACE_ID);
                assertThat(warning.get("span_id").asText()).hasSize(16);
                assertThat(warning.get("user_id").asText()).isEqualTo("alice");
                assertThat(warning.get("logger").asText()).isEqualTo("io.datapipe.generator.RecordPublisher");

                // The access log has the failed request, findable by the same trace id.
                JsonNode access = await().atMost(Duration.ofSeconds(10)).until(
                        () -> jsonLines(generator).stream()
                                .filter(line -> line.path("logger").asText().equals("io.datapipe.http.access"))
                                .findFirst().orElse(null),
                        line -> line != null);
                assertThat(access.path("trace_id").asText()).isEqualTo(TRACE_ID);
                assertThat(access.path("method").asText()).isEqualTo("POST");
                assertThat(access.path("route").asText()).isEqualTo("/data");
                assertThat(access.path("status").asInt()).isEqualTo(503);
                assertThat(access.path("duration_ms").isNumber()).isTrue();
                assertThat(access.path("user_id").asText()).isEqualTo("alice");
                assertThat(access.path("reason").asText()).isEqualTo("failed");

                String log = Files.readString(generator.log());
                for (String output : List.of(log, Files.readString(generator.agentLog()))) {
                    assertThat(output).doesNotContain(token).doesNotContain(token.substring(token.lastIndexOf('.') + 1))
                            .doesNotContain("4111-1111");
                }
                for (String line : log.split("\n")) {
                    if (!isJvmOrAgentLine(line)) {
                        assertThat(JSON.readTree(line).isObject()).as(line).isTrue();
                    }
                }
            }
        }
    }

    /** Lines the JVM and the OpenTelemetry agent print themselves, outside the application's logging. */
    private static boolean isJvmOrAgentLine(String line) {
        return line.isBlank() || line.startsWith("[otel.javaagent") || line.startsWith("OpenJDK 64-Bit Server VM warning")
                || line.startsWith("WARNING: ");
    }

    private static List<JsonNode> jsonLines(ServiceProcess service) throws Exception {
        List<JsonNode> lines = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(service.log())) {
            if (line.startsWith("{")) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }
}
