package io.datapipe.bench;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.rabbitmq.perf.PerfTest;

/**
 * The broker's own limit for the pipeline's kind of message, measured by RabbitMQ PerfTest in this JVM:
 * messages of the size of an encoded record, persistent, to a quorum queue, with publisher confirms (at
 * most 1024 unconfirmed, like the generator's {@code max-in-flight}) and a consumer that acknowledges each
 * message with a prefetch of 1000 (like the persister). One producer, one consumer: one generator and
 * one persister replica. The queue and exchange are this run's own, deleted afterwards.
 *
 * <p>The limit is the lower of PerfTest's average sending (confirmed) rate and receiving rate: the rate
 * the broker sustains end to end without a growing backlog.
 */
final class BrokerBaseline {

    private static final Pattern SENDING = Pattern.compile("sending rate avg: (\\d+) msg/s");
    private static final Pattern RECEIVING = Pattern.compile("receiving rate avg: (\\d+) msg/s");
    private static final Pattern CONFIRM_LATENCY =
            Pattern.compile("confirm latency min/median/75th/95th/99th (\\d+)/(\\d+)/(\\d+)/(\\d+)/(\\d+) µs");
    private static final Pattern CONSUMER_LATENCY =
            Pattern.compile("consumer latency min/median/75th/95th/99th (\\d+)/(\\d+)/(\\d+)/(\\d+)/(\\d+) µs");

    private BrokerBaseline() {
    }

    /**
     * Runs PerfTest.
     *
     * @param env          the run (broker address, names to clean up)
     * @param messageBytes the size of one message
     * @param seconds      how long
     * @param progress     gets each of PerfTest's per-second lines
     * @return the figures, with PerfTest's arguments and its output
     */
    static Map<String, Object> measure(BenchEnv env, int messageBytes, int seconds, Consumer<String> progress) {
        return measure(env, messageBytes, seconds, 0, progress);
    }

    /**
     * Runs PerfTest, its producer held to a rate.
     *
     * @param rate messages/s the producer sends at most (PerfTest's {@code --rate}); 0: as fast as it can
     * @see #measure(BenchEnv, int, int, Consumer)
     */
    static Map<String, Object> measure(BenchEnv env, int messageBytes, int seconds, double rate, Consumer<String> progress) {
        String name = rate > 0 ? "perftest-" + Math.round(rate) : "perftest";
        String exchange = "bench." + env.runId + "." + name;
        String queue = "bench." + env.runId + "." + name + ".quorum";
        env.ownExchange(exchange);
        env.ownQueue(queue);
        List<String> args = new ArrayList<>(List.of(
                "--uri", env.amqpUri(),
                "--id", "broker-limit",
                "--producers", "1",
                "--consumers", "1",
                "--size", Integer.toString(messageBytes),
                "--flag", "persistent",
                "--quorum-queue",
                "--confirm", "1024",
                "--qos", "1000",
                "--exchange", exchange,
                "--type", "direct",
                "--queue", queue,
                "--routing-key", env.routingKey(),
                "--time", Integer.toString(seconds)));
        if (rate > 0) {
            args.addAll(List.of("--rate", Long.toString(Math.round(rate))));
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(new LineTap(captured, progress), true, StandardCharsets.UTF_8);
        int[] exit = {0};
        PerfTest.main(args.toArray(String[]::new), new PerfTest.PerfTestOptions()
                .setSystemExiter(status -> exit[0] = status)
                .setSkipSslContextConfiguration(true)
                .setConsoleOut(console)
                .setConsoleErr(console));
        console.flush();
        String output = captured.toString(StandardCharsets.UTF_8);
        Map<String, Object> result = new LinkedHashMap<>();
        double sending = find(SENDING, output, 1);
        double receiving = find(RECEIVING, output, 1);
        if (exit[0] != 0 || Double.isNaN(sending) || Double.isNaN(receiving)) {
            throw new IllegalStateException("PerfTest failed (exit " + exit[0] + "):\n" + output);
        }
        result.put("tool", "RabbitMQ PerfTest " + PerfTest.class.getPackage().getImplementationVersion());
        result.put("arguments", String.join(" ", args).replace(env.amqpUri(), "amqp://…"));
        result.put("message_bytes", messageBytes);
        result.put("seconds", seconds);
        result.put("sending_rate_avg_msgs_per_s", sending);
        result.put("receiving_rate_avg_msgs_per_s", receiving);
        result.put("confirm_latency_p50_ms", find(CONFIRM_LATENCY, output, 2) / 1000.0);
        result.put("confirm_latency_p99_ms", find(CONFIRM_LATENCY, output, 5) / 1000.0);
        result.put("consumer_latency_p50_ms", find(CONSUMER_LATENCY, output, 2) / 1000.0);
        result.put("consumer_latency_p99_ms", find(CONSUMER_LATENCY, output, 5) / 1000.0);
        result.put("limit_msgs_per_s", Math.min(sending, receiving));
        return result;
    }

    private static double find(Pattern pattern, String output, int group) {
        Matcher matcher = pattern.matcher(output);
        return matcher.find() ? Double.parseDouble(matcher.group(group)) : Double.NaN;
    }

    /** Keeps everything written and hands each complete line to a listener. */
    private static final class LineTap extends OutputStream {
        private final ByteArrayOutputStream all;
        private final Consumer<String> lines;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineTap(ByteArrayOutputStream all, Consumer<String> lines) {
            this.all = all;
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            all.write(b);
            if (b == '\n') {
                lines.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            } else {
                line.write(b);
            }
        }
    }
}
