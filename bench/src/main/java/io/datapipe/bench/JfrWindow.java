package io.datapipe.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.ServiceProcess;

/**
 * Where the services' time goes over one window, with the JDK's own tools: {@code jcmd JFR.start} at its
 * start (the {@code profile} settings: a method sample every 10 ms), {@code jcmd JFR.dump} at its end, then
 * {@code jfr summary} for the event counts and {@code jfr view hot-methods} for the top frames. The
 * recordings stay in the output directory for {@code jfr view}, {@code jfr print} or JDK Mission Control.
 *
 * <p>On JDK 25 and later the recording also takes the CPU-time sampler (JEP 509: a sample per
 * {@value #CPU_TIME_PERIOD} of a thread's CPU time, system time included), reported as {@code jfr view
 * cpu-time-hot-methods}. The execution sampler walks a few threads at a time and misses most of the virtual
 * threads that serve the requests (at 1 000 POST/s it took 72 samples in 30 s from a generator that spent
 * 4.8 s of CPU); the CPU-time sampler follows where the CPU went, including the time in socket reads and
 * writes. On an older JDK the report says it is not available.
 */
final class JfrWindow {

    private static final String NAME = "bench-window";
    private static final String CPU_TIME_PERIOD = "5ms";
    private static final boolean CPU_TIME_SAMPLER = Runtime.version().feature() >= 25;

    private JfrWindow() {
    }

    static void start(List<ServiceProcess> services) throws IOException, InterruptedException {
        List<String> settings = CPU_TIME_SAMPLER
                ? List.of("settings=profile", "+jdk.CPUTimeSample#enabled=true", "+jdk.CPUTimeSample#throttle=" + CPU_TIME_PERIOD)
                : List.of("settings=profile");
        for (ServiceProcess service : services) {
            List<String> args = new java.util.ArrayList<>(List.of(Long.toString(service.pid()), "JFR.start", "name=" + NAME));
            args.addAll(settings);
            run("jcmd", args.toArray(String[]::new));
        }
    }

    /**
     * Dumps each service's recording to {@code <dir>/<name>.jfr}; per service: its execution samples and hot
     * methods, and its CPU-time samples and the methods that took the most CPU time.
     */
    static Map<String, Object> stop(List<ServiceProcess> services, Path dir) throws IOException, InterruptedException {
        Map<String, Object> profiles = new LinkedHashMap<>();
        for (ServiceProcess service : services) {
            Path file = dir.resolve(service.name() + ".jfr");
            run("jcmd", Long.toString(service.pid()), "JFR.dump", "name=" + NAME, "filename=" + file);
            run("jcmd", Long.toString(service.pid()), "JFR.stop", "name=" + NAME);
            Map<String, Object> profile = new LinkedHashMap<>();
            profile.put("recording", file.toString());
            String summary = run("jfr", "summary", file.toString());
            profile.put("execution_samples", events(summary, "jdk.ExecutionSample"));
            profile.put("hot_methods", view("hot-methods", file));
            if (CPU_TIME_SAMPLER) {
                profile.put("cpu_time_samples", events(summary, "jdk.CPUTimeSample"));
                profile.put("cpu_time_hot_methods", view("cpu-time-hot-methods", file));
            } else {
                profile.put("cpu_time_samples", "not available: the CPU-time sampler needs JDK 25, this is " + Runtime.version());
            }
            profiles.put(service.name(), profile);
        }
        return profiles;
    }

    /** How many events of that type {@code jfr summary} counted. */
    private static long events(String summary, String type) {
        return summary.lines()
                .filter(line -> line.strip().startsWith(type + " "))
                .mapToLong(line -> Long.parseLong(line.strip().split("\\s+")[1]))
                .sum();
    }

    /** The first 20 lines of a {@code jfr view}. */
    private static List<String> view(String view, Path file) throws IOException, InterruptedException {
        return run("jfr", "view", "--width", "160", view, file.toString()).lines()
                .filter(line -> !line.isBlank()).limit(20).toList();
    }

    /** Runs a tool of this JDK and returns its output. */
    private static String run(String tool, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", tool).toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
        return output;
    }
}
