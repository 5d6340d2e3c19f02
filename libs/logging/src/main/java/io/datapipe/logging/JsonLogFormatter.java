package io.datapipe.logging;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * Formats a log record as one line of JSON:
 * <pre>
 * {"timestamp":"...","level":"WARNING","logger":"...","thread":"...","message":"...",
 *  "trace_id":"...","span_id":"...","user_id":"...","exception":"..."}
 * </pre>
 * {@code trace_id} and {@code span_id} are those of the span current when the record was logged (with
 * the OpenTelemetry agent), {@code user_id} the caller of the request being served ({@link LogContext});
 * a {@link LogFields} parameter adds its fields.
 * Absent values are left out. The line never contains a token or a payload unless a message puts it
 * there, and no code of this project does.
 */
public class JsonLogFormatter extends Formatter {

    private static final JsonFactory JSON = JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedBoundedPool()).build();

    @Override
    public String format(LogRecord record) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("timestamp", Instant.ofEpochMilli(record.getMillis()).toString());
            json.writeStringField("level", level(record.getLevel()));
            json.writeStringField("logger", record.getLoggerName());
            json.writeStringField("thread", Thread.currentThread().getName());
            json.writeStringField("message", formatMessage(record));
            SpanContext span = Span.current().getSpanContext();
            if (span.isValid() && span.isSampled()) {
                json.writeStringField("trace_id", span.getTraceId());
                json.writeStringField("span_id", span.getSpanId());
            }
            LogContext.userId().ifPresent(userId -> write(json, "user_id", userId));
            if (record.getParameters() != null) {
                for (Object parameter : record.getParameters()) {
                    if (parameter instanceof LogFields extra) {
                        for (var field : extra.fields().entrySet()) {
                            if (field.getValue() instanceof Number number) {
                                json.writeFieldName(field.getKey());
                                json.writeNumber(number.toString());
                            } else if (field.getValue() != null) {
                                json.writeStringField(field.getKey(), field.getValue().toString());
                            }
                        }
                    }
                }
            }
            if (record.getThrown() != null) {
                StringWriter trace = new StringWriter();
                record.getThrown().printStackTrace(new PrintWriter(trace));
                json.writeStringField("exception", trace.toString());
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.append(System.lineSeparator()).toString();
    }

    private static void write(JsonGenerator json, String field, String value) {
        try {
            json.writeStringField(field, value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String level(Level level) {
        return level == null ? "INFO" : level.getName();
    }
}
