package io.datapipe.monitoring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Where Prometheus' programs are: the directory {@code scripts/monitoring-tools.sh} prints, after it has
 * installed Debian's packages where they were missing (or {@code DATAPIPE_MONITORING_BIN}). When they cannot be
 * had, the script's explanation is the exception's message: a check that needs them fails saying why, it
 * is never skipped in silence.
 */
public final class MonitoringTools {

    private static Path bin;

    private MonitoringTools() {
    }

    /** @return the path of one tool: prometheus, promtool, prometheus-alertmanager, amtool, prometheus-postgres-exporter */
    public static Path tool(String name) {
        Path path = bin().resolve(name);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException(name + " is not in " + bin() + " (scripts/monitoring-tools.sh)");
        }
        return path;
    }

    /** The repository's root: {@code datapipe.repo} when set, else the first parent of the working directory with scripts/monitoring-tools.sh. */
    public static Path repository() {
        String configured = System.getProperty("datapipe.repo");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("scripts/monitoring-tools.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("not inside the datapipe repository: no scripts/monitoring-tools.sh above " + Path.of("").toAbsolutePath());
    }

    private static synchronized Path bin() {
        if (bin == null) {
            Path script = repository().resolve("scripts/monitoring-tools.sh");
            try {
                Path errors = Files.createTempFile("monitoring-tools", ".log");
                Process process = new ProcessBuilder(script.toString()).directory(repository().toFile())
                        .redirectError(errors.toFile()).start();
                process.getOutputStream().close();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                boolean done = process.waitFor(10, TimeUnit.MINUTES);
                String messages = Files.readString(errors).strip();
                Files.delete(errors);
                if (!done || process.exitValue() != 0 || out.isEmpty()) {
                    throw new IllegalStateException("Prometheus' tools cannot be had, so this check cannot run:\n" + messages);
                }
                if (!messages.isEmpty()) {
                    System.err.println(messages);
                }
                bin = Path.of(out);
            } catch (IOException e) {
                throw new IllegalStateException("cannot run " + script, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return bin;
    }
}
