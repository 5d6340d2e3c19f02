package io.datapipe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a service spent its CPU, from a JFR recording's method samples ({@code jdk.ExecutionSample}) in a
 * time window (the latency run; the recording covers the service's whole life):
 * the top frames by self time (the method on top of the stack), and by total time (a method anywhere on
 * the stack, counted once per sample), each as a share of all samples; where the memory is allocated
 * ({@code jdk.ObjectAllocationSample}, by weight, at the first frame outside the JDK); and the heap, metaspace
 * and GC figures at the end of the window.
 */
final class Profiles {

    private Profiles() {
    }

    static Map<String, Object> summarize(Path recording, Instant from, Instant to, int top) throws IOException {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        Map<String, Object> memory = new LinkedHashMap<>();
        Map<String, Integer> allocatedKb = new HashMap<>();
        long allocatedTotalKb = 0;
        int samples = 0;
        int collections = 0;
        double pauseMs = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (event.getStartTime().isBefore(from) || event.getStartTime().isAfter(to)) {
                    continue;
                }
                switch (event.getEventType().getName()) {
                    case "jdk.GCHeapSummary" -> {
                        memory.put("heap_committed_mb", mb(event.getLong("heapSpace.committedSize")));
                        memory.put("heap_used_mb", mb(event.getLong("heapUsed")));
                    }
                    case "jdk.MetaspaceSummary" -> memory.put("metaspace_committed_mb", mb(event.getLong("metaspace.committed")));
                    case "jdk.JavaThreadStatistics" -> memory.put("threads", event.getLong("activeCount"));
                    case "jdk.GCConfiguration" -> memory.put("collector", event.getString("youngCollector") + "/"
                            + event.getString("oldCollector"));
                    case "jdk.ObjectAllocationSample" -> {
                        // Weighted samples: who allocates (the first frame outside the JDK), by bytes.
                        int kb = (int) Math.max(1, event.getLong("weight") / 1024);
                        allocatedTotalKb += kb;
                        allocatedKb.merge(event.getClass("objectClass").getName() + " @ " + allocationSite(event.getStackTrace()),
                                          kb, Integer::sum);
                    }
                    case "jdk.GarbageCollection" -> {
                        collections++;
                        pauseMs += event.getDuration("sumOfPauses").toNanos() / 1e6;
                    }
                    default -> {
                        // other events
                    }
                }
                if (!"jdk.ExecutionSample".equals(event.getEventType().getName())) {
                    continue;
                }
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null || stack.getFrames().isEmpty()) {
                    continue;
                }
                samples++;
                List<RecordedFrame> frames = stack.getFrames();
                self.merge(name(frames.get(0)), 1, Integer::sum);
                Set<String> seen = new HashSet<>();
                for (RecordedFrame frame : frames) {
                    String name = name(frame);
                    if (seen.add(name)) {
                        total.merge(name, 1, Integer::sum);
                    }
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("recording", recording.getFileName().toString());
        result.put("window", List.of(from.toString(), to.toString()));
        result.put("execution_samples", samples);
        memory.put("gc_collections", collections);
        memory.put("gc_pause_ms_total", Math.round(pauseMs * 10) / 10.0);
        double windowSeconds = Math.max(0.001, java.time.Duration.between(from, to).toMillis() / 1000.0);
        memory.put("allocated_mb_per_s", Math.round(allocatedTotalKb / 1024.0 / windowSeconds * 10) / 10.0);
        result.put("memory_at_end", memory);
        result.put("top_allocation_sites", top(allocatedKb, (int) Math.min(Integer.MAX_VALUE, allocatedTotalKb), top));
        result.put("top_self", top(self, samples, top));
        result.put("top_total_datapipe", top(filter(total, "io.datapipe."), samples, top));
        result.put("top_total", top(total, samples, top));
        return result;
    }

    private static Map<String, Integer> filter(Map<String, Integer> counts, String prefix) {
        Map<String, Integer> filtered = new HashMap<>();
        counts.forEach((name, count) -> {
            if (name.startsWith(prefix)) {
                filtered.put(name, count);
            }
        });
        return filtered;
    }

    private static List<Map<String, Object>> top(Map<String, Integer> counts, int samples, int top) {
        List<Map.Entry<String, Integer>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Map.Entry.<String, Integer>comparingByValue().reversed());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Map.Entry<String, Integer> entry : entries.subList(0, Math.min(top, entries.size()))) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("frame", entry.getKey());
            row.put("percent", samples == 0 ? 0 : Math.round(entry.getValue() * 1000.0 / samples) / 10.0);
            list.add(row);
        }
        return list;
    }

    /** The first frame of an allocation that is not the JDK's own. */
    private static String allocationSite(RecordedStackTrace stack) {
        if (stack == null) {
            return "?";
        }
        for (RecordedFrame frame : stack.getFrames()) {
            String name = name(frame);
            if (!name.startsWith("java.") && !name.startsWith("jdk.") && !name.startsWith("sun.")) {
                return name;
            }
        }
        return stack.getFrames().isEmpty() ? "?" : name(stack.getFrames().get(0));
    }

    private static double mb(long bytes) {
        return Math.round(bytes / 1024.0 / 1024.0 * 10) / 10.0;
    }

    private static String name(RecordedFrame frame) {
        var method = frame.getMethod();
        if (method == null) {
            return "?";
        }
        return method.getType().getName() + "." + method.getName();
    }

    /** Summaries of every {@code <service>.jfr} in a directory, cut to a time window. */
    static Map<String, Object> summarizeAll(Path directory, Instant from, Instant to, int top) throws IOException {
        Map<String, Object> result = new LinkedHashMap<>();
        if (!Files.isDirectory(directory)) {
            return result;
        }
        try (var files = Files.list(directory)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".jfr")).sorted().toList()) {
                String service = file.getFileName().toString().replace(".jfr", "");
                try {
                    result.put(service, summarize(file, from, to, top));
                } catch (IOException e) {
                    // A process that died (killed, out of memory) leaves an empty recording.
                    result.put(service, Map.of("recording", file.getFileName().toString(), "error", String.valueOf(e.getMessage())));
                }
            }
        }
        return result;
    }
}
