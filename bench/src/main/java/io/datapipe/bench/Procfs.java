package io.datapipe.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What Linux tells about processes and the machine: resident memory, CPU time, load average. Read-only;
 * values are -1 where {@code /proc} is not there.
 */
final class Procfs {

    /** Clock ticks per second of /proc/pid/stat times; 100 on every Linux this runs on. */
    private static final double TICKS = 100.0;

    private Procfs() {
    }

    static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** User + system CPU seconds of a process (and its reaped children are not counted). */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name is in parentheses and may hold spaces: count fields after the last ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // fields[0] is field 3 (state): utime is field 14, stime field 15.
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU seconds of every process whose executable path contains a fragment (for example {@code beam.smp}). */
    static double cpuSecondsOf(String commandFragment) {
        double total = 0;
        for (long pid : pidsOf(commandFragment)) {
            double seconds = cpuSeconds(pid);
            if (seconds > 0) {
                total += seconds;
            }
        }
        return total;
    }

    static List<Long> pidsOf(String commandFragment) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.contains(commandFragment)).orElse(false))
                .map(ProcessHandle::pid)
                .toList();
    }

    /** The 1-, 5- and 15-minute load averages. */
    static double[] loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(parts[0]), Double.parseDouble(parts[1]), Double.parseDouble(parts[2])};
        } catch (IOException | RuntimeException e) {
            return new double[] {-1, -1, -1};
        }
    }

    static long memTotalMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.substring(9).trim().split("\\s+")[0]) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<String> osPrettyName() {
        try {
            return Files.readAllLines(Path.of("/etc/os-release")).stream()
                    .filter(line -> line.startsWith("PRETTY_NAME="))
                    .map(line -> line.substring(12).replace("\"", ""))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * CPU seconds of groups of processes, to see who used the two cores during a phase.
     */
    static final class CpuMeter {
        private final Map<String, Long> pids = new LinkedHashMap<>();
        private final Map<String, String> fragments = new LinkedHashMap<>();
        private final Map<String, Double> start = new LinkedHashMap<>();
        private long startNanos;

        CpuMeter process(String label, long pid) {
            pids.put(label, pid);
            return this;
        }

        CpuMeter commandsContaining(String label, String fragment) {
            fragments.put(label, fragment);
            return this;
        }

        CpuMeter begin() {
            start.clear();
            pids.forEach((label, pid) -> start.put(label, cpuSeconds(pid)));
            fragments.forEach((label, fragment) -> start.put(label, cpuSecondsOf(fragment)));
            startNanos = System.nanoTime();
            return this;
        }

        /** @return per group, the cores used on average since {@link #begin()} (1.0 = one core busy) */
        Map<String, Double> coresUsed() {
            double elapsed = (System.nanoTime() - startNanos) / 1e9;
            Map<String, Double> cores = new LinkedHashMap<>();
            pids.forEach((label, pid) -> cores.put(label, round((cpuSeconds(pid) - start.get(label)) / elapsed)));
            fragments.forEach((label, fragment) -> cores.put(label, round((cpuSecondsOf(fragment) - start.get(label)) / elapsed)));
            return cores;
        }

        private static double round(double value) {
            return Math.round(value * 100) / 100.0;
        }
    }
}
