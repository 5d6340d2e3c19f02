package io.datapipe.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

import io.datapipe.logging.LogFields;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One JSON log line per API request worth reading, on the logger {@code io.datapipe.http.access}:
 * <pre>
 * {"message":"POST /data 503",...,"trace_id":"...","span_id":"...","user_id":"alice",
 *  "method":"POST","route":"/data","status":503,"duration_ms":5003.1,"reason":"failed"}
 * </pre>
 * ({@code user_id}, as on every line, is the authenticated caller: {@link ApiRoutes} forgets it after this.)
 * Every failed request (status 400 or more) and every one slower than {@code datapipe.access-log.slow-ms}
 * is logged, so a failure can be found by its trace id in the logs as in the traces; of the others one in
 * {@code datapipe.access-log.sample-every} (0: none); a storm of them is bounded where every logger's lines are
 * (libs/logging {@code JsonConsoleHandler}: at most 100 a second, the rest counted). The ingest path pays a counter increment for the
 * requests it does not log; what the logged ones cost is measured by the benchmark (docs/observability.md).
 */
@ApplicationScoped
public class AccessLog {

    private static final Logger LOGGER = Logger.getLogger("io.datapipe.http.access");

    private final long sampleEvery;
    private final long slowNanos;
    private final AtomicLong seen = new AtomicLong();

    @Inject
    AccessLog(@ConfigProperty(name = "datapipe.access-log.sample-every", defaultValue = "100") long sampleEvery,
              @ConfigProperty(name = "datapipe.access-log.slow-ms", defaultValue = "1000") long slowMs) {
        if (sampleEvery < 0 || slowMs < 0) {
            throw new IllegalArgumentException("datapipe.access-log.sample-every and .slow-ms must not be negative");
        }
        this.sampleEvery = sampleEvery;
        this.slowNanos = slowMs * 1_000_000;
    }

    /**
     * Logs a request, if it is worth reading. Call it
     * with the caller and the request's span still current, so that the line carries them.
     *
     * @param method       the request's method
     * @param route        the route template that served it
     * @param status       the answer's status
     * @param startedNanos {@link System#nanoTime()} when the request arrived
     */
    public void record(String method, String route, int status, long startedNanos) {
        long nanos = System.nanoTime() - startedNanos;
        boolean sampled = sampleEvery > 0 && seen.incrementAndGet() % sampleEvery == 0;
        if (status < 400 && nanos < slowNanos && !sampled) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("method", method);
        fields.put("route", route);
        fields.put("status", status);
        fields.put("duration_ms", Math.round(nanos / 10_000.0) / 100.0);
        fields.put("reason", status >= 400 ? "failed" : nanos >= slowNanos ? "slow" : "sampled");
        LOGGER.log(Level.INFO, method + " " + route + " " + status, new LogFields(fields));
    }
}
