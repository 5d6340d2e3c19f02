package io.datapipe.monitoring;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Prometheus' durations ({@code 1h30m}, {@code 15m}, {@code 500ms}): read, scaled, written. */
public final class Durations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|y|w|d|h|m|s)");

    private Durations() {
    }

    public static Duration parse(String text) {
        Matcher m = PART.matcher(text.strip());
        Duration total = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                case "w" -> Duration.ofDays(7 * n);
                default -> Duration.ofDays(365 * n);
            });
            end = m.end();
        }
        if (end == 0 || end != text.strip().length()) {
            throw new IllegalArgumentException("not a Prometheus duration: '" + text + "'");
        }
        return total;
    }

    public static String format(Duration duration) {
        return duration.toMillis() + "ms";
    }

    /** The duration divided by {@code factor}, at least one millisecond. */
    public static String scale(String text, double factor) {
        return format(Duration.ofMillis(Math.max(1, Math.round(parse(text).toMillis() / factor))));
    }
}
