package io.datapipe.testsupport;

import java.util.Locale;

import org.testcontainers.DockerClientFactory;

/**
 * Where tests find their servers. Each setting is read from an environment variable, or a system
 * property of the same name, with a default that matches the local servers of a development machine.
 *
 * <p>{@code DATAPIPE_TEST_CONTAINERS} chooses between Testcontainers and configured servers:
 * {@code auto} (default) uses Testcontainers when a Docker engine answers, {@code always} requires
 * it, {@code never} never tries.
 */
final class TestSettings {

    private static volatile Boolean useContainers;

    private TestSettings() {
    }

    static String get(String name, String defaultValue) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            value = System.getProperty(name);
        }
        return value == null || value.isBlank() ? defaultValue : value;
    }

    static int getInt(String name, int defaultValue) {
        return Integer.parseInt(get(name, Integer.toString(defaultValue)));
    }

    static synchronized boolean useContainers() {
        if (useContainers == null) {
            String mode = get("DATAPIPE_TEST_CONTAINERS", "auto").toLowerCase(Locale.ROOT);
            useContainers = switch (mode) {
                case "always" -> true;
                case "never" -> false;
                case "auto" -> dockerAvailable();
                default -> throw new IllegalArgumentException(
                        "DATAPIPE_TEST_CONTAINERS must be auto, always or never, not " + mode);
            };
        }
        return useContainers;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
