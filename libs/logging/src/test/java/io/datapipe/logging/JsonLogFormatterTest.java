package io.datapipe.logging;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLogFormatterTest {

    private final JsonLogFormatter formatter = new JsonLogFormatter();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void writesOneJsonObjectPerLineWithTraceAndUser() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "broker \"down\"\nretrying in {0} ms");
        record.setLoggerName("io.datapipe.test");
        record.setParameters(new Object[] {500});
        record.setThrown(new IllegalStateException("boom"));
        SpanContext span = SpanContext.create("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331",
                                              TraceFlags.getSampled(), TraceState.getDefault());
        String line;
        LogContext.userId("alice");
        try (Scope ignored = Span.wrap(span).makeCurrent()) {
            line = formatter.format(record);
        } finally {
            LogContext.userId(null);
        }

        assertThat(line).endsWith(System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode node = json.readTree(line);
        assertThat(node.get("level").asText()).isEqualTo("WARNING");
        assertThat(node.get("logger").asText()).isEqualTo("io.datapipe.test");
        assertThat(node.get("message").asText()).isEqualTo("broker \"down\"\nretrying in 500 ms");
        assertThat(node.get("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(node.get("span_id").asText()).isEqualTo("b7ad6b7169203331");
        assertThat(node.get("user_id").asText()).isEqualTo("alice");
        assertThat(node.get("exception").asText()).contains("IllegalStateException: boom");
        assertThat(node.get("timestamp").asText()).endsWith("Z");
    }

    @Test
    void leavesOutWhatIsNotKnown() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "started");
        record.setLoggerName("x");

        JsonNode node = json.readTree(formatter.format(record));

        assertThat(node.has("trace_id")).isFalse();
        assertThat(node.has("user_id")).isFalse();
        assertThat(node.has("exception")).isFalse();
    }

    @Test
    void writesTheFieldsOfALogFieldsParameterAtTheTopLevel() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "GET /data/{id} 404");
        record.setLoggerName("io.datapipe.http.access");
        java.util.Map<String, Object> fields = new java.util.LinkedHashMap<>();
        fields.put("route", "/data/{id}");
        fields.put("status", 404);
        fields.put("duration_ms", 1.25);
        record.setParameters(new Object[] {new LogFields(fields)});

        JsonNode node = json.readTree(formatter.format(record));

        assertThat(node.get("message").asText()).isEqualTo("GET /data/{id} 404");
        assertThat(node.get("route").asText()).isEqualTo("/data/{id}");
        assertThat(node.get("status").isInt()).isTrue();
        assertThat(node.get("duration_ms").asDouble()).isEqualTo(1.25);
    }
}
