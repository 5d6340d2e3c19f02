package io.datapipe.logging;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;

/**
 * A console handler that writes {@link JsonLogFormatter} lines to standard output and flushes each one,
 * for container log collectors. This library's {@code logging.properties}, the services' one logging
 * configuration, names it: {@code handlers=io.datapipe.logging.JsonConsoleHandler}.
 *
 * <p>Each logger writes at most {@value #DEFAULT_MAX_LINES} lines a second, unless the environment variable
 * {@value #MAX_LINES_VARIABLE} (or {@code io.datapipe.logging.JsonConsoleHandler.maxLinesPerSecond} in
 * {@code logging.properties}) says otherwise; 0: no bound. A failure that repeats on every request (a broker
 * outage, an overload) would otherwise write a line or two per request, and formatting and writing them costs
 * the CPU the service is short of at that moment. The budget is renewed whole each second, and the lines over
 * it are counted, not written. A line then says how many each logger left out, with the number in the field
 * {@code suppressed}: before the logger's next line that is written, else within a second of the last one
 * left out, or as the process ends; at most one such line a second per logger. The metrics count every request whatever the log writes.
 *
 * <p>{@code io.datapipe.logging.JsonConsoleHandler.ignore} in {@code logging.properties} names lines that say
 * nothing in this service, each as {@code <logger>:<start of the message>}, several separated by {@code ;}:
 * a warning a library gives about a set-up the service chose, for example.
 */
public class JsonConsoleHandler extends StreamHandler {

    static final String MAX_LINES_VARIABLE = "DATAPIPE_LOG_MAX_LINES_PER_SECOND";
    static final long DEFAULT_MAX_LINES = 100;

    private final long maxLinesPerSecond;
    private final TimeMeter clock;
    /** Logger name to the starts of its messages that are not written. */
    private final Map<String, List<String>> ignored;
    /** Per logger: its budget of lines, and how many it has left out since it last wrote one. Guarded by this. */
    private final Map<String, Budget> budgets = new HashMap<>();
    /** Writes the counts of a logger that went quiet; started with the first line left out. Guarded by this. */
    private ScheduledExecutorService counts;

    public JsonConsoleHandler() {
        this(new FileOutputStream(FileDescriptor.out), configuredMaxLines(), TimeMeter.SYSTEM_NANOTIME,
             LogManager.getLogManager().getProperty(JsonConsoleHandler.class.getName() + ".ignore"));
    }

    JsonConsoleHandler(OutputStream out, long maxLinesPerSecond, TimeMeter clock, String ignore) {
        super(out, new JsonLogFormatter());
        this.ignored = ignored(ignore);
        if (maxLinesPerSecond < 0) {
            throw new IllegalArgumentException(MAX_LINES_VARIABLE + " must not be negative: " + maxLinesPerSecond);
        }
        this.maxLinesPerSecond = maxLinesPerSecond;
        this.clock = clock;
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (!isLoggable(record) || isIgnored(record)) {
            return;
        }
        if (maxLinesPerSecond > 0) {
            String logger = String.valueOf(record.getLoggerName());
            Budget budget = budgets.computeIfAbsent(logger, name -> new Budget(Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(maxLinesPerSecond).refillIntervally(maxLinesPerSecond, Duration.ofSeconds(1)).build())
                    .withCustomTimePrecision(clock)
                    .build()));
            if (!budget.lines.tryConsume(1)) {
                budget.leftOut++;
                startCounts();
                return;
            }
            if (budget.leftOut > 0) {
                super.publish(leftOut(logger, budget));
            }
        }
        super.publish(record);
        flush();
    }

    @Override
    public synchronized void close() {
        writeLeftOut();
    }

    /** Writes how many lines each logger left out since its last line, if any. */
    synchronized void writeLeftOut() {
        budgets.forEach((logger, budget) -> {
            if (budget.leftOut > 0) {
                super.publish(leftOut(logger, budget));
            }
        });
        flush();
    }

    private void startCounts() {
        if (counts != null || clock != TimeMeter.SYSTEM_NANOTIME) {
            return; // started, or a test's clock: it calls writeLeftOut itself
        }
        counts = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "log-left-out");
            thread.setDaemon(true);
            return thread;
        });
        counts.scheduleWithFixedDelay(this::writeLeftOut, 1, 1, TimeUnit.SECONDS);
        // The log manager leaves the handlers open as the JVM ends (ShutdownSafeLogManager): the last count here.
        Runtime.getRuntime().addShutdownHook(new Thread(this::writeLeftOut, "log-left-out-at-exit"));
    }

    private LogRecord leftOut(String logger, Budget budget) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("suppressed", budget.leftOut);
        LogRecord line = new LogRecord(Level.WARNING, "left out " + budget.leftOut + " lines of this logger (at most "
                                                      + maxLinesPerSecond + " a second: " + MAX_LINES_VARIABLE + ")");
        line.setLoggerName(logger);
        line.setParameters(new Object[] {new LogFields(fields)});
        budget.leftOut = 0;
        return line;
    }

    private boolean isIgnored(LogRecord record) {
        List<String> starts = ignored.get(record.getLoggerName());
        return starts != null && record.getMessage() != null && starts.stream().anyMatch(record.getMessage()::startsWith);
    }

    private static Map<String, List<String>> ignored(String entries) {
        Map<String, List<String>> ignored = new HashMap<>();
        if (entries == null || entries.isBlank()) {
            return ignored;
        }
        for (String entry : entries.split(";")) {
            int colon = entry.indexOf(':');
            if (colon <= 0 || entry.substring(colon + 1).isBlank()) {
                throw new IllegalArgumentException(JsonConsoleHandler.class.getName() + ".ignore: not <logger>:<start of the message>: " + entry);
            }
            ignored.computeIfAbsent(entry.substring(0, colon).strip(), logger -> new ArrayList<>()).add(entry.substring(colon + 1).strip());
        }
        return ignored;
    }

    private static long configuredMaxLines() {
        String value = System.getenv(MAX_LINES_VARIABLE);
        if (value == null || value.isBlank()) {
            value = LogManager.getLogManager().getProperty(JsonConsoleHandler.class.getName() + ".maxLinesPerSecond");
        }
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_LINES;
        }
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_LINES_VARIABLE + " must be a whole number of lines a second: " + value, e);
        }
    }

    private static final class Budget {
        final Bucket lines;
        long leftOut;

        Budget(Bucket lines) {
            this.lines = lines;
        }
    }
}
