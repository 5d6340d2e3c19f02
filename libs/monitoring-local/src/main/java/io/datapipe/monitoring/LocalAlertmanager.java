package io.datapipe.monitoring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A real Alertmanager (Debian's 0.25) on a free port, alone (no cluster peers), with the given
 * configuration (Alertmanager's own format: {@link AlertmanagerConfigs} makes it from the repository's
 * AlertmanagerConfig).
 */
public final class LocalAlertmanager extends LocalProgram {

    private LocalAlertmanager(Path dir, int port, List<String> arguments) throws IOException {
        super("prometheus-alertmanager", dir, port, arguments);
    }

    public static LocalAlertmanager start(JsonNode config) throws IOException {
        Path dir = Files.createTempDirectory("alertmanager");
        int port = freePort();
        writeConfig(dir, config);
        return new LocalAlertmanager(dir, port, arguments(port));
    }

    /** The command-line arguments of an Alertmanager whose alertmanager.yml is in its working directory. */
    public static List<String> arguments(int port) {
        return List.of(
                "--config.file=alertmanager.yml",
                "--storage.path=data",
                "--web.listen-address=127.0.0.1:" + port,
                "--cluster.listen-address=");
    }

    public static void writeConfig(Path dir, JsonNode config) throws IOException {
        Files.writeString(dir.resolve("alertmanager.yml"), LocalPrometheus.YAML.writeValueAsString(config));
    }

    /** The alerts Alertmanager holds, each with its {@code status} ({@code state}, {@code inhibitedBy}). */
    public JsonNode alerts() {
        return getJson("/api/v2/alerts");
    }

    /**
     * Sends alerts as Prometheus does ({@code POST /api/v2/alerts}).
     *
     * @param alerts an array of {@code {"labels": {...}, "annotations": {...}}}
     */
    public void fire(JsonNode alerts) {
        try {
            HttpResponse<String> response = HTTP.send(
                    HttpRequest.newBuilder(url().resolve("/api/v2/alerts"))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(alerts)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalArgumentException("POST /api/v2/alerts: " + response.statusCode() + " " + response.body());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The alert groups as Alertmanager routed them: each with its receiver and alerts. */
    public JsonNode groups() {
        return getJson("/api/v2/alerts/groups");
    }
}
