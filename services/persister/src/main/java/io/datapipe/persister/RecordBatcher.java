package io.datapipe.persister;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.datapipe.contract.InvalidJsonException;
import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;
import io.datapipe.messaging.rabbitmq.DeadLetterException;
import io.datapipe.messaging.rabbitmq.IncomingRabbitMqMetadata;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import org.eclipse.microprofile.reactive.messaging.Message;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * Turns the stream of record messages into database batches and settles every message by what
 * happened to its record:
 * <ol>
 *     <li>a message that is not a valid record (not JSON, wrong schema) is dead-lettered at once;</li>
 *     <li>valid records collect into a batch until it holds {@code batchSize} records or its first
 *     record has waited {@code maxWait};</li>
 *     <li>one writer thread stores each batch in one transaction ({@link BatchWriter}), then acknowledges
 *     its messages; a record the database refused is nacked, so the connector's retry route tries it
 *     again after a delay and dead-letters it, with the reason, when the delays are used up.</li>
 * </ol>
 * A message is acknowledged only after its record is committed. Demand is a window of
 * {@code window} messages: the subscriber asks for one more each time one is settled.
 *
 * <p>When the stream completes (shutdown), the open batch is written and every batch in flight is
 * settled before this subscriber returns, so a rolling update redelivers nothing that was stored.
 */
final class RecordBatcher implements Subscriber<Message<byte[]>> {

    private static final System.Logger LOGGER = System.getLogger(RecordBatcher.class.getName());
    private static final Tracer TRACER = GlobalOpenTelemetry.getTracer("io.datapipe.persister");
    private static final int MAX_LINKS = 128;

    private final RecordCodec codec = RecordCodec.standard();
    private final BatchWriter store;
    private final BatchMetrics metrics;
    private final int batchSize;
    private final Duration maxWait;
    private final int window;
    private final Duration drainTimeout;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(named("datapipe-persister-writer"));
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(named("datapipe-persister-timer"));
    private final Object lock = new Object();
    private List<Pending> batch = new ArrayList<>();
    private ScheduledFuture<?> flushTimer;
    private volatile Subscription subscription;

    /** A decoded record, the message that carried it, and the trace context it was delivered in. */
    private record Pending(Message<byte[]> message, RecordMessage record, Context traceContext) {
    }

    RecordBatcher(BatchWriter store, BatchMetrics metrics, int batchSize, Duration maxWait, int window,
                  Duration drainTimeout) {
        if (batchSize <= 0 || window < batchSize) {
            throw new IllegalArgumentException("batch size must be positive and at most the window (prefetch)");
        }
        this.store = store;
        this.metrics = metrics;
        this.batchSize = batchSize;
        this.maxWait = maxWait;
        this.window = window;
        this.drainTimeout = drainTimeout;
    }

    @Override
    public void onSubscribe(Subscription subscription) {
        this.subscription = subscription;
        subscription.request(window);
    }

    @Override
    public void onNext(Message<byte[]> message) {
        RecordMessage record;
        try {
            record = codec.decode(message.getPayload());
        } catch (InvalidJsonException e) {
            LOGGER.log(WARNING, () -> "dead-lettering a message that is not a valid record (" + e.reason() + "): "
                    + e.getMessage());
            message.nack(new DeadLetterException("not a valid record (" + e.reason() + "): " + e.getMessage(), e));
            subscription.request(1);
            return;
        }
        List<Pending> full = null;
        synchronized (lock) {
            batch.add(new Pending(message, record, traceContext(message)));
            if (batch.size() >= batchSize) {
                full = takeBatch();
            } else if (batch.size() == 1) {
                flushTimer = timer.schedule(this::flushDue, maxWait.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (full != null) {
            submit(full);
        }
    }

    private void flushDue() {
        List<Pending> due;
        synchronized (lock) {
            due = takeBatch();
        }
        if (!due.isEmpty()) {
            submit(due);
        }
    }

    /** Takes the open batch; callers hold {@link #lock}. */
    private List<Pending> takeBatch() {
        if (flushTimer != null) {
            flushTimer.cancel(false);
            flushTimer = null;
        }
        List<Pending> taken = batch;
        batch = new ArrayList<>();
        return taken;
    }

    private void submit(List<Pending> pending) {
        long formed = System.nanoTime();
        writer.execute(() -> write(pending, formed));
    }

    private void write(List<Pending> pending, long formed) {
        // The same record can arrive twice in one batch (a redelivery next to a stale copy): store it once.
        Map<UUID, RecordMessage> distinct = new LinkedHashMap<>();
        pending.forEach(p -> distinct.putIfAbsent(p.record().id(), p.record()));
        BatchWriter.Result result;
        Span span = batchSpan(pending);
        try (Scope ignored = span.makeCurrent()) {
            result = store.store(List.copyOf(distinct.values()));
        } catch (RuntimeException e) {
            span.recordException(e);
            if (writer.isShutdown()) {
                // Interrupted while waiting for the database (shutdown): leave the messages unacknowledged;
                // the channel closes next and the broker delivers them again.
                LOGGER.log(WARNING, () -> "batch of " + pending.size() + " not stored, left to the broker: " + e);
                return;
            }
            // A failure BatchWriter could not classify: holding the messages would stall the window for good,
            // so they take the retry route like a refused record, and are dead-lettered with the reason if
            // it keeps happening.
            LOGGER.log(WARNING, "batch of " + pending.size() + " not stored, sent to the retry route", e);
            pending.forEach(p -> p.message().nack(new RecordRefusedException("not stored: " + e)));
            requestMore(pending.size());
            return;
        } finally {
            span.end();
        }
        Map<UUID, String> refused = result.refused();
        java.time.Instant committed = java.time.Instant.now();
        for (Pending p : pending) {
            String reason = refused.get(p.record().id());
            if (reason == null) {
                p.message().ack();
                metrics.lag(Duration.between(p.record().receivedAt(), committed));
            } else {
                // Retried after the retry route's delays, then dead-lettered with this reason.
                p.message().nack(new RecordRefusedException("refused by the database: " + reason));
            }
        }
        metrics.stored(result.inserted());
        metrics.duplicates(pending.size() - refused.size() - result.inserted());
        metrics.batch(pending.size(), Duration.ofNanos(System.nanoTime() - formed));
        LOGGER.log(DEBUG, () -> "stored a batch of " + pending.size());
        requestMore(pending.size());
    }

    private void requestMore(int settled) {
        Subscription current = subscription;
        if (current != null) {
            current.request(settled);
        }
    }

    /**
     * The span of one batch: a child of its first record's trace (so a lone record reads as one trace from
     * POST to INSERT), linked to the trace of every other record in it (the messaging convention for batch
     * processing). The database spans of the insert are its children.
     */
    private static Span batchSpan(List<Pending> pending) {
        SpanBuilder builder = TRACER.spanBuilder("records store")
                .setSpanKind(SpanKind.INTERNAL)
                .setParent(pending.get(0).traceContext())
                .setAttribute("messaging.batch.message_count", (long) pending.size())
                .setAttribute("db.system", "postgresql");
        java.util.Set<String> linked = new java.util.HashSet<>();
        for (int i = 1; i < pending.size() && linked.size() < MAX_LINKS; i++) {
            SpanContext other = Span.fromContext(pending.get(i).traceContext()).getSpanContext();
            if (other.isValid() && linked.add(other.getSpanId())) {
                builder.addLink(other);
            }
        }
        return builder.startSpan();
    }

    private static Context traceContext(Message<byte[]> message) {
        return IncomingRabbitMqMetadata.of(message).map(IncomingRabbitMqMetadata::traceContext).orElseGet(Context::current);
    }

    @Override
    public void onError(Throwable throwable) {
        LOGGER.log(WARNING, "the record stream failed; storing what is held", throwable);
        drain();
    }

    @Override
    public void onComplete() {
        drain();
    }

    /** Writes the open batch and waits until every batch in flight is settled. */
    private void drain() {
        List<Pending> last;
        synchronized (lock) {
            last = takeBatch();
        }
        if (!last.isEmpty()) {
            submit(last);
        }
        writer.shutdown();
        timer.shutdownNow();
        try {
            if (writer.awaitTermination(drainTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOGGER.log(INFO, "record stream complete; every batch in flight is stored and acknowledged");
            } else {
                LOGGER.log(WARNING, "batches still in flight after " + drainTimeout.toMillis()
                        + " ms; their messages go back to the broker");
                writer.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            writer.shutdownNow();
        }
    }

    /** The database refused a record; it may take it later (after a fix), so it is retried before it is dead-lettered. */
    static final class RecordRefusedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RecordRefusedException(String message) {
            super(message);
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
