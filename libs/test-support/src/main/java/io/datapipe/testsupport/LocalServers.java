package io.datapipe.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What {@link RabbitMqCluster} and {@link PostgresServer} share: running a server's tools as the user the
 * server's package made (when the tests run as root), free loopback ports, and removing a temporary tree.
 */
final class LocalServers {

    static final boolean ROOT = "root".equals(System.getProperty("user.name"));

    private LocalServers() {
    }

    /**
     * Runs a command as {@code user} (as the current user unless it is root) and returns its output.
     *
     * @param user    the servers' user, such as {@code rabbitmq} or {@code postgres}
     * @param dir     working directory, writable by that user
     * @param budget  how long it may take
     * @param command the command
     * @return standard output and error
     * @throws IllegalStateException when it fails or takes longer
     */
    static String run(String user, Path dir, Duration budget, List<String> command) {
        List<String> full = new ArrayList<>();
        if (ROOT) {
            full.addAll(List.of("runuser", "-u", user, "--"));
        }
        full.addAll(command);
        try {
            // Output to a file, not a pipe: a server started in the background keeps the pipe open while it runs.
            Path output = Files.createTempFile(dir, "command-", ".out");
            chown(user, output);
            Process process = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            boolean done = process.waitFor(budget.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                process.destroyForcibly();
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            Files.deleteIfExists(output);
            if (!done || process.exitValue() != 0) {
                String what = String.join(" ", command.stream().dropWhile(arg -> !arg.startsWith("/")).toList());
                throw new IllegalStateException(what + (done ? " failed: " : " timed out: ") + text.strip());
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Gives a tree to {@code user} (when running as root; otherwise it is the current user's already). */
    static void chown(String user, Path path) throws IOException {
        if (!ROOT) {
            return;
        }
        try {
            Process chown = new ProcessBuilder("chown", "-R", user + ":" + user, path.toString()).inheritIO().start();
            if (chown.waitFor() != 0) {
                throw new IOException("chown -R " + user + " " + path + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    /** @return a loopback port free right now */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Deletes a temporary tree, as far as it can. */
    static void deleteTree(Path base) {
        try (Stream<Path> tree = Files.walk(base)) {
            tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory
        }
    }

    /**
     * Something to undo once: at {@link #run()}, or from a JVM shutdown hook when a run is killed before it
     * closes what it started.
     */
    static final class Cleanup implements Runnable {
        private final Runnable action;
        private final Thread hook;
        private boolean done;

        Cleanup(String name, Runnable action) {
            this.action = action;
            this.hook = new Thread(this::once, name);
            Runtime.getRuntime().addShutdownHook(hook);
        }

        @Override
        public void run() {
            once();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook runs anyway
            }
        }

        private synchronized void once() {
            if (!done) {
                done = true;
                action.run();
            }
        }
    }
}
