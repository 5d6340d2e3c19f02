package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
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
 * queue. Each persister is warm (the one of the main run after the ingest phases; a persister started with
 * {@code batch-size=1} after a warm-up of a few hundred records) and is then frozen (SIGSTOP) while
 * {@code n} records are published the way the generator publishes them (persistent, confirmed, same
 * headers and body). It is let go (SIGCONT), and its rate is the records stored divided by the time from
 * its first stored record to its last, or to the end of a time limit when it cannot finish in time.
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
     * Measures one running persister on a pre-loaded queue.
     *
     * @param label     what is measured
     * @param persister the persister, ready, consuming the bench queue
     * @param records   records to pre-load
     * @param warmUp    records to let it store first (JIT warm-up), 0 for none
     * @param timeLimit longest measurement
     * @return the figures
     */
    Map<String, Object> measure(String label, ServiceProcess persister, int records, int warmUp, Duration timeLimit)
            throws IOException, InterruptedException, SQLException, TimeoutException {
        // One subject per measurement: its rows are counted through the index, cheaply, while it drains.
        String user = "bench-batching-" + label.replaceAll("[^a-z0-9]+", "-");
        if (warmUp > 0) {
            console.phase("persister " + label + ": warm-up, " + warmUp + " records", 0);
            long before = storedRows(user + "-warm-up");
            preload(warmUp, user + "-warm-up");
            drain(user + "-warm-up", before, warmUp, Duration.ofSeconds(120));
        }
        console.phase("persister " + label + ": frozen while " + records + " records are pre-loaded", 0);
        signal(persister, "STOP");
        long before;
        try {
            preload(records, user);
            before = storedRows(user);
        } finally {
            signal(persister, "CONT");
        }
        console.phase("persister " + label + ": draining " + records + " records", (int) timeLimit.toSeconds());
        Map<String, Object> result = new LinkedHashMap<>(drain(user, before, records, timeLimit));
        result.put("warm_up_records", warmUp);
        console.line(String.format("  %s: %s records in %s s = %s records/s%s", label, result.get("records_stored"),
                                   result.get("seconds"), result.get("records_per_s"),
                                   Boolean.TRUE.equals(result.get("finished")) ? "" : " (stopped at the time limit)"));
        purge();
        return result;
    }

    /** Waits until {@code records} rows of a subject are stored (or the time limit after the first one). */
    private Map<String, Object> drain(String user, long before, int records, Duration timeLimit)
            throws SQLException, InterruptedException {
        long first = 0;
        long last = 0;
        long stored = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
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
            Thread.sleep(20);
        }
        double seconds = first == 0 ? Double.NaN : Math.max(0.001, (last - first) / 1e9);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("records_preloaded", records);
        result.put("records_stored", stored);
        result.put("seconds", IngestBench.round(seconds, 3));
        result.put("records_per_s", first == 0 ? 0 : Math.round(stored / seconds));
        result.put("finished", stored >= records);
        result.put("counted_every_ms", 20);
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

    /** SIGSTOP freezes the process (it holds its connections but does nothing), SIGCONT lets it go on. */
    private static void signal(ServiceProcess process, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed");
        }
    }
}
