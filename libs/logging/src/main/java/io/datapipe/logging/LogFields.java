package io.datapipe.logging;

import java.util.Map;

/**
 * Fields a log line carries beside its message, as top-level JSON fields ({@link JsonLogFormatter}): pass
 * it as the record's parameter, {@code logger.log(Level.INFO, "message", new LogFields(Map.of(...)))}.
 * Numbers are written as JSON numbers, everything else as strings.
 *
 * @param fields name to value, in the order to write them
 */
public record LogFields(Map<String, Object> fields) {
}
