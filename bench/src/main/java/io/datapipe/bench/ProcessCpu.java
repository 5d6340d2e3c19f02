package io.datapipe.bench;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * CPU time (user + system, the JDK's {@link ProcessHandle}) of processes the harness did not start as services: the
 * broker's {@code beam.smp}, PostgreSQL's processes, the harness itself (the load driver). Each reading finds the
 * processes anew and sums them and their descendants (PostgreSQL's backends are children of its postmaster), so a
 * process that ended between two readings takes its CPU with it: read around windows where none ends (the services'
 * connection pools keep their backends).
 */
final class ProcessCpu {

    private ProcessCpu() {
    }

    /** @return this JVM's CPU seconds: the load driver, PerfTest when it runs */
    static DoubleSupplier harness() {
        ProcessHandle self = ProcessHandle.current();
        return () -> seconds(self);
    }

    /**
     * @param pid the operating system process of a node of the run's own ({@code beam.smp}), or 0 for every
     *            {@code beam.smp} on the machine (a shared broker: others' traffic included)
     * @return the broker's CPU seconds
     */
    static DoubleSupplier broker(long pid) {
        return matching(process -> pid == 0 ? command(process).endsWith("beam.smp") : process.pid() == pid);
    }

    /**
     * @param port the port of a server of the run's own, or 0 for every PostgreSQL process on the machine (a shared
     *             server: others' work included)
     * @return the server's CPU seconds: its postmaster and every process under it
     */
    static DoubleSupplier postgres(int port) {
        return matching(process -> command(process).endsWith("/postgres")
                && process.parent().map(parent -> !command(parent).endsWith("/postgres")).orElse(true)
                && (port == 0 || commandLine(process).contains("-p " + port)));
    }

    private static DoubleSupplier matching(Predicate<ProcessHandle> root) {
        return () -> ProcessHandle.allProcesses().filter(root)
                .flatMap(process -> Stream.concat(Stream.of(process), process.descendants()))
                .distinct()
                .mapToDouble(ProcessCpu::seconds)
                .sum();
    }

    private static double seconds(ProcessHandle process) {
        return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
    }

    private static String command(ProcessHandle process) {
        return process.info().command().orElse("");
    }

    private static String commandLine(ProcessHandle process) {
        return process.info().commandLine().orElse("");
    }
}
