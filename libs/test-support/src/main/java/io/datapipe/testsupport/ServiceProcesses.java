package io.datapipe.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged services as the harnesses that run them as processes see them (the end-to-end tests and
 * the benchmarks): where a service's jar is, which port it listens on, and whether it answers. Plain JDK,
 * so that a harness can depend on this class without the rest of this module's dependencies.
 */
public final class ServiceProcesses {

    /**
     * The JVM flags of the images (each service's Dockerfile) for the pods' 512 MiB memory limit, as
     * absolute sizes: heap 40 % and initially 10 % of the limit, Serial GC (the JVM's choice with one CPU),
     * native heap trimmed every 5 s, exit on OutOfMemoryError. Processes started with them should also
     * get {@link #CONTAINER_ENVIRONMENT}.
     */
    public static final List<String> CONTAINER_JVM_OPTIONS = List.of("-Xmx205m", "-Xms51m",
            "-XX:+UseSerialGC", "-XX:+UnlockExperimentalVMOptions", "-XX:TrimNativeHeapInterval=5000",
            "-XX:+ExitOnOutOfMemoryError");

    /** The images' environment for the JVM: two malloc arenas, so that freed native memory is reused. */
    public static final Map<String, String> CONTAINER_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2");

    /** What Helidon logs once it listens; with {@code server.port=0} the port is the kernel's choice. */
    private static final Pattern STARTED = Pattern.compile("Server started on http://[^:/\\s]+:(\\d+)");

    private ServiceProcesses() {
    }

    /**
     * The packaged jar of a service.
     *
     * @param services   the {@code services/} directory
     * @param name       generator, persister or web
     * @param howToBuild what to run when it is missing, for the error message
     * @return its absolute path
     * @throws IllegalStateException when it has not been built
     */
    public static Path jar(Path services, String name, String howToBuild) {
        Path jar = services.resolve(name).resolve("target").resolve("datapipe-" + name + ".jar").toAbsolutePath();
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: package the services first (" + howToBuild + ")");
        }
        return jar;
    }

    /**
     * The port a service started with {@code server.port=0} listens on, as its log says.
     *
     * @param log the service's output
     * @return the port, or 0 while the service has not logged it yet
     */
    public static int listeningPort(Path log) {
        try {
            Matcher started = STARTED.matcher(new String(Files.readAllBytes(log), StandardCharsets.UTF_8));
            return started.find() ? Integer.parseInt(started.group(1)) : 0;
        } catch (IOException e) {
            return 0; // not written yet
        }
    }

    /**
     * The HTTP status of a GET.
     *
     * @param http    the client
     * @param uri     what to get
     * @param timeout how long to wait for the answer
     * @return the status, or -1 when the service does not answer
     */
    public static int status(HttpClient http, URI uri, Duration timeout) {
        try {
            return http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                             HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
