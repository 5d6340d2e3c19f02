package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Start-up with other JVM flags, each service alone (the main run's services are stopped by then): the time
 * from process start to {@code /health/ready} = 200 and the resident memory once ready, in rounds that start
 * every variant once, for
 * <ul>
 *     <li>the flags of the main run;</li>
 *     <li>C1 only ({@code -XX:TieredStopAtLevel=1}): less compilation work at start, slower peak code;</li>
 *     <li>AppCDS: a class-data archive of the service's classes, written by a training start
 *     ({@code -XX:ArchiveClassesAtExit}) into {@code <out>/cds/} and used by the measured starts;</li>
 *     <li>the JDK's AOT cache (JDK 25, JEP 483/514: classes loaded and linked ahead of time), trained
 *     the same way ({@code -XX:AOTCacheOutput}), when the JDK running the services supports it.</li>
 * </ul>
 */
final class StartupBench {

    private record Variant(String name, List<String> training, List<String> flags) {
    }

    private final BenchEnv env;
    private final Console console;

    StartupBench(BenchEnv env, Console console) {
        this.env = env;
        this.console = console;
    }

    Map<String, Object> measure(List<String> services, int samples) throws IOException, InterruptedException {
        Path cds = env.options.out().resolve("cds");
        Files.createDirectories(cds);
        Map<String, Object> result = new LinkedHashMap<>();
        for (String service : services) {
            Path archive = cds.resolve(service + ".jsa");
            Path aot = cds.resolve(service + ".aot");
            List<Variant> variants = new ArrayList<>(List.of(
                    new Variant("default", null, List.of()),
                    new Variant("C1 only", null, List.of("-XX:TieredStopAtLevel=1")),
                    new Variant("AppCDS", List.of("-XX:ArchiveClassesAtExit=" + archive),
                                List.of("-XX:SharedArchiveFile=" + archive)),
                    new Variant("AppCDS + C1 only", null,
                                List.of("-XX:SharedArchiveFile=" + archive, "-XX:TieredStopAtLevel=1"))));
            if (Runtime.version().feature() >= 25) {
                variants.add(new Variant("AOT cache", List.of("-XX:AOTCacheOutput=" + aot), List.of("-XX:AOTCache=" + aot)));
            }
            // Train the archives first, then measure in rounds (every variant once per round), so that a noisy
            // moment of the machine hits every variant rather than one.
            Map<String, String> failed = new LinkedHashMap<>();
            for (Variant variant : variants) {
                if (variant.training() == null) {
                    continue;
                }
                console.phase("start-up " + service + ": training " + variant.name(), 0);
                try (ServiceProcess training = env.start(service, Map.of(), variant.training())) {
                    training.awaitReady(Duration.ofSeconds(120), Duration.ofMillis(10));
                    // Let the post-ready work load its classes too (first requests, metrics).
                    Thread.sleep(1_000);
                } catch (RuntimeException e) {
                    failed.put(variant.name(), String.valueOf(e.getMessage()));
                }
            }
            Map<String, List<Long>> millis = new LinkedHashMap<>();
            Map<String, List<Double>> rss = new LinkedHashMap<>();
            for (int round = 1; round <= samples; round++) {
                for (Variant variant : variants) {
                    if (failed.containsKey(variant.name())) {
                        continue;
                    }
                    console.phase("start-up " + service + ": " + variant.name() + ", round " + round + " of " + samples, 0);
                    try (ServiceProcess process = env.start(service, Map.of(), variant.flags())) {
                        millis.computeIfAbsent(variant.name(), v -> new ArrayList<>()).add(process.awaitReady(Duration.ofSeconds(120), Duration.ofMillis(10)));
                        Thread.sleep(500);
                        rss.computeIfAbsent(variant.name(), v -> new ArrayList<>()).add(IngestBench.round(process.residentMiB(), 1));
                    } catch (RuntimeException e) {
                        failed.put(variant.name(), String.valueOf(e.getMessage()));
                    }
                }
            }
            Map<String, Object> byVariant = new LinkedHashMap<>();
            for (Variant variant : variants) {
                if (failed.containsKey(variant.name())) {
                    byVariant.put(variant.name(), Map.of("flags", String.join(" ", variant.flags()),
                                                         "error", failed.get(variant.name())));
                    console.line("  " + service + " " + variant.name() + ": " + failed.get(variant.name()));
                    continue;
                }
                List<Long> ready = millis.get(variant.name());
                List<Long> sorted = ready.stream().sorted().toList();
                Map<String, Object> figures = new LinkedHashMap<>();
                figures.put("flags", String.join(" ", variant.flags()));
                figures.put("ready_ms", ready);
                figures.put("ready_ms_min", sorted.getFirst());
                figures.put("ready_ms_median", sorted.get(sorted.size() / 2));
                figures.put("rss_mb_idle", rss.get(variant.name()));
                byVariant.put(variant.name(), figures);
                console.line(String.format("  %-9s %-17s ready in %s ms (median %d), RSS %s MiB", service, variant.name(),
                                           ready, sorted.get(sorted.size() / 2), rss.get(variant.name())));
            }
            result.put(service, byVariant);
        }
        return result;
    }
}
