package io.datapipe.generator;

import java.time.Duration;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.MetricUnits;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;
import org.eclipse.microprofile.metrics.annotation.RegistryScope;

/**
 * What the generator counts: records accepted, records rejected by reason, and how long the broker
 * takes to confirm.
 */
@ApplicationScoped
public class GeneratorMetrics {

    private static final Metadata REJECTED = Metadata.builder()
            .withName("datapipe.records.rejected")
            .withDescription("Records refused before publishing, by reason")
            .build();

    private final MetricRegistry registry;
    private final Counter accepted;
    private final Timer confirm;

    @Inject
    GeneratorMetrics(@RegistryScope(scope = MetricRegistry.APPLICATION_SCOPE) MetricRegistry registry) {
        this.registry = registry;
        this.accepted = registry.counter(Metadata.builder()
                                                 .withName("datapipe.records.accepted")
                                                 .withDescription("Records accepted: confirmed by the broker")
                                                 .build());
        this.confirm = registry.timer(Metadata.builder()
                                              .withName("datapipe.publish.confirm.duration")
                                              .withDescription("Time from publishing a request's records to the broker's confirm of the last")
                                              .withUnit(MetricUnits.SECONDS)
                                              .build());
        // Exported from the start, so that rates and alerts over it have a series before the first rejection.
        registry.counter(REJECTED, new Tag("reason", "broker_unavailable"));
    }

    /** Records accepted together, and how long the broker took to confirm the last of them. */
    void accepted(int records, Duration confirmTime) {
        accepted.inc(records);
        confirm.update(confirmTime);
    }

    void rejected(String reason) {
        registry.counter(REJECTED, new Tag("reason", reason.toLowerCase(Locale.ROOT))).inc();
    }
}
