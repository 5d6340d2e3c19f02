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
 */
final class JfrWindow {

    private static final String NAME = "bench-window";

    private JfrWindow() {
    }

    static void start(List<ServiceProcess> services) throws IOException, InterruptedException {
        for (ServiceProcess service : services) {
            run("jcmd", Long.toString(service.pid()), "JFR.start", "name=" + NAME, "settings=profile");
        }
    }

    /** Dumps each service's recording to {@code <dir>/<name>.jfr}; per service: its execution samples and hot methods. */
    static Map<String, Object> stop(List<ServiceProcess> services, Path dir) throws IOException, InterruptedException {
        Map<String, Object> profiles = new LinkedHashMap<>();
        for (ServiceProcess service : services) {
            Path file = dir.resolve(service.name() + ".jfr");
            run("jcmd", Long.toString(service.pid()), "JFR.dump", "name=" + NAME, "filename=" + file);
            run("jcmd", Long.toString(service.pid()), "JFR.stop", "name=" + NAME);
            Map<String, Object> profile = new LinkedHashMap<>();
            profile.put("recording", file.toString());
            profile.put("execution_samples", run("jfr", "summary", file.toString()).lines()
                    .filter(line -> line.strip().startsWith("jdk.ExecutionSample "))
                    .mapToLong(line -> Long.parseLong(line.strip().split("\\s+")[1]))
                    .sum());
            profile.put("hot_methods", run("jfr", "view", "--width", "160", "hot-methods", file.toString()).lines()
                    .filter(line -> !line.isBlank()).limit(20).toList());
            profiles.put(service.name(), profile);
        }
        return profiles;
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
