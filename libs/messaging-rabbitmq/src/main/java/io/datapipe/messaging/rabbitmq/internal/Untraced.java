package io.datapipe.messaging.rabbitmq.internal;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Background housekeeping (health probes, queue statistics) runs under an unsampled parent, so that the
 * agent's instrumentation does not turn every probe into a trace of its own: with the default
 * parent-based sampler, children of an unsampled span are not recorded.
 */
public final class Untraced {

    private static final Context UNSAMPLED = Context.root().with(Span.wrap(SpanContext.create(
            "00000000000000000000000000000001", "0000000000000001", TraceFlags.getDefault(), TraceState.getDefault())));

    private Untraced() {
    }

    /**
     * Runs a task that should leave no trace.
     *
     * @param task the task
     */
    public static void run(Runnable task) {
        try (Scope ignored = UNSAMPLED.makeCurrent()) {
            task.run();
        }
    }
}
