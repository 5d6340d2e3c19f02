package io.datapipe.logging;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.bucket4j.TimeMeter;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonConsoleHandlerTest {

    private final ObjectMapper json = new ObjectMapper();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ManualClock clock = new ManualClock();
    private final JsonConsoleHandler handler = new JsonConsoleHandler(out, 3, clock, null);

    @Test
    void aLoggerOverItsLinesPerSecondIsCountedAndTheCountPrecedesItsNextLine() throws Exception {
        for (int i = 0; i < 10; i++) {
            handler.publish(record("io.datapipe.http.access", "POST /data 503 #" + i));
        }
        handler.publish(record("io.datapipe.other", "unaffected"));

        assertThat(messages()).containsExactly("POST /data 503 #0", "POST /data 503 #1", "POST /data 503 #2", "unaffected");

        clock.nanos += 1_000_000_000L;
        handler.publish(record("io.datapipe.http.access", "POST /data 202"));

        List<JsonNode> lines = lines();
        JsonNode count = lines.get(4);
        assertThat(count.get("logger").asText()).isEqualTo("io.datapipe.http.access");
        assertThat(count.get("level").asText()).isEqualTo("WARNING");
        assertThat(count.get("suppressed").asLong()).isEqualTo(7);
        assertThat(count.get("message").asText()).contains("left out 7 lines");
        assertThat(lines.get(5).get("message").asText()).isEqualTo("POST /data 202");
    }

    @Test
    void aLoggerThatWentQuietHasItsCountWrittenOnceByTheTimerAndAtClose() throws Exception {
        for (int i = 0; i < 5; i++) {
            handler.publish(record("io.datapipe.generator.RecordPublisher", "broker down"));
        }
        handler.writeLeftOut(); // what the handler's timer (once a second) and its shutdown hook call
        handler.writeLeftOut();
        assertThat(lines()).hasSize(4);
        assertThat(lines().get(3).get("suppressed").asLong()).isEqualTo(2);

        handler.publish(record("io.datapipe.generator.RecordPublisher", "still down")); // the same second: left out
        handler.close();
        assertThat(lines()).hasSize(5);
        assertThat(lines().get(4).get("suppressed").asLong()).isEqualTo(1);
    }

    @Test
    void zeroMeansNoBound() throws Exception {
        JsonConsoleHandler unbounded = new JsonConsoleHandler(out, 0, clock, null);
        for (int i = 0; i < 500; i++) {
            unbounded.publish(record("x", "line " + i));
        }
        assertThat(lines()).hasSize(500);
    }

    @Test
    void linesNamedByLoggerAndStartAreNotWritten() throws Exception {
        JsonConsoleHandler quiet = new JsonConsoleHandler(out, 0, clock, " io.helidon.x: There are no JAX-RS ;io.helidon.x:Other");
        quiet.publish(record("io.helidon.x", "There are no JAX-RS applications or resources."));
        quiet.publish(record("io.helidon.x", "Other things"));
        quiet.publish(record("io.helidon.x", "Server started on http://localhost:8080"));
        quiet.publish(record("io.helidon.y", "There are no JAX-RS applications or resources."));

        assertThat(messages()).containsExactly("Server started on http://localhost:8080", "There are no JAX-RS applications or resources.");
    }

    private static LogRecord record(String logger, String message) {
        LogRecord record = new LogRecord(Level.INFO, message);
        record.setLoggerName(logger);
        return record;
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                lines.add(json.readTree(line));
            }
        }
        return lines;
    }

    private List<String> messages() throws Exception {
        return lines().stream().map(line -> line.get("message").asText()).toList();
    }

    private static final class ManualClock implements TimeMeter {
        long nanos;

        @Override
        public long currentTimeNanos() {
            return nanos;
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    }
}
