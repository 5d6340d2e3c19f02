package io.datapipe.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import io.datapipe.contract.BoundedJson;
import io.datapipe.contract.InvalidJsonException;
import io.datapipe.contract.JsonLimits;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordIds;
import io.datapipe.contract.RecordMessage;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;

/**
 * The persister's throughput with batching against one record per transaction, on the same pre-loaded
 * queue: with no persister consuming, {@code n} records are published the way the generator publishes
 * them (persistent, confirmed, same headers and body); then a persister is started with the setting under
 * test, and its rate is the records stored divided by the time from its first stored record to its last
 * (start-up excluded), or to the end of a time limit when it cannot finish in time.
 */
final class PersisterBatching {

    private final BenchEnv env;
    private final Console console;
    private final RecordCodec codec = RecordCodec.standard();
    private final BoundedJson json = new BoundedJson(JsonLimits.PAYLOAD);

    PersisterBatching(BenchEnv env, Console console) {
        this.env = env;
        this.console = console;
    }

    /** Encodes the record the generator would publish for request {@code n} of a user. */
    byte[] encodedRecord(long n, String user) {
        try {
            return codec.encode(new RecordMessage(RecordIds.next(), user,
                                                  json.parseObject(BenchEnv.payload(n).getBytes(StandardCharsets.UTF_8)),
                                                  Instant.now().truncatedTo(ChronoUnit.MILLIS)));
        } catch (InvalidJsonException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Pre-loads the queue and measures one persister configuration.
     *
     * @param label      what is measured
     * @param records    records to pre-load
     * @param config     the persister's overrides (batch size, prefetch)
     * @param timeLimit  longest measurement
     * @return the figures; the persister is stopped again
     */
    Map<String, Object> measure(String label, int records, Map<String, String> config, Duration timeLimit)
            throws IOException, InterruptedException, SQLException, TimeoutException {
        console.phase("persister " + label + ": pre-loading " + records + " records", 0);
        // One subject per measurement: its rows are counted through the index, cheaply, while it drains.
        String user = "bench-batching-" + label.replaceAll("[^a-z0-9]+", "-");
        preload(records, user);
        long before = storedRows(user);
        console.phase("persister " + label + ": draining " + records + " records " + config, (int) timeLimit.toSeconds());
        Map<String, Object> result = new LinkedHashMap<>();
        try (ServiceProcess persister = env.start("persister", config, List.of())) {
            result.put("startup_ms", persister.awaitReady(Duration.ofSeconds(90)));
            long first = 0;
            long last = 0;
            long stored = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (System.nanoTime() < deadline) {
                long now = System.nanoTime();
                long rows = storedRows(user) - before;
                if (rows > 0 && first == 0) {
                    first = now;
                    deadline = now + timeLimit.toNanos();
                }
                if (rows > stored) {
                    stored = rows;
                    last = now;
                }
                console.progress(stored, records);
                if (stored >= records) {
                    break;
                }
                Thread.sleep(50);
            }
            double seconds = first == 0 ? Double.NaN : Math.max(0.001, (last - first) / 1e9);
            result.put("records_preloaded", records);
            result.put("records_stored", stored);
            result.put("seconds", IngestBench.round(seconds, 3));
            result.put("records_per_s", Math.round(stored / seconds));
            result.put("finished", stored >= records);
            result.put("config", config);
            console.line(String.format("  %s: %d records in %.2f s = %.0f records/s%s", label, stored, seconds,
                                       stored / seconds, stored >= records ? "" : " (stopped at the time limit)"));
        }
        purge();
        return result;
    }

    private void preload(int records, String user) throws IOException, TimeoutException, InterruptedException {
        try (com.rabbitmq.client.Connection connection = env.amqp().newConnection("datapipe-bench-" + env.runId + "-preload");
             Channel channel = connection.createChannel()) {
            channel.confirmSelect();
            for (int i = 0; i < records; i++) {
                byte[] body = encodedRecord(i, user);
                AMQP.BasicProperties properties = new AMQP.BasicProperties.Builder()
                        .deliveryMode(2)
                        .contentType(RecordCodec.CONTENT_TYPE)
                        .messageId(codec.decode(body).id().toString())
                        .headers(Map.of(RecordCodec.USER_ID_HEADER, user))
                        .build();
                channel.basicPublish(env.exchange, BenchEnv.ROUTING_KEY, true, properties, body);
                if (i % 500 == 499) {
                    channel.waitForConfirmsOrDie(60_000);
                    console.progress(i + 1, records);
                }
            }
            channel.waitForConfirmsOrDie(60_000);
        } catch (InvalidJsonException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Empties the queue of what a persister that hit the time limit left, so the next run starts equal. */
    private void purge() throws IOException, TimeoutException {
        try (com.rabbitmq.client.Connection connection = env.amqp().newConnection("datapipe-bench-" + env.runId + "-purge");
             Channel channel = connection.createChannel()) {
            channel.queuePurge(env.queue);
        }
    }

    private long storedRows(String user) throws SQLException {
        try (Connection connection = env.connect();
             PreparedStatement count = connection.prepareStatement("SELECT count(*) FROM data_record WHERE user_id = ?")) {
            count.setString(1, user);
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }
}
