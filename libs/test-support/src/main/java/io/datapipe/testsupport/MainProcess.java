package io.datapipe.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A class's {@code main} in a JVM of its own, with this JVM's class path and the given environment, as a
 * one-shot command (a Kubernetes Job) runs it: what it printed and how it exited.
 *
 * @param status its exit status
 * @param output what it wrote to standard output and standard error, interleaved
 */
public record MainProcess(int status, String output) {

    /**
     * Runs {@code main} and waits for it to exit.
     *
     * @param mainClass   the class whose {@code main} runs
     * @param environment variables added to this process's environment
     * @param timeout     how long it may take; past it the process is killed and this fails
     * @return its exit status and output
     * @throws IOException          when it cannot be started or its output read
     * @throws InterruptedException when interrupted while waiting
     */
    public static MainProcess run(Class<?> mainClass, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        return run(mainClass, System.getProperty("java.class.path"), environment, timeout);
    }

    /**
     * Runs {@code main} with this JVM's class path less its test classes and resources (the test's
     * {@code logging-test.properties}, say), as the service's jar would run it, and waits for it to exit.
     *
     * @param mainClass   the class whose {@code main} runs
     * @param environment variables added to this process's environment
     * @param timeout     how long it may take; past it the process is killed and this fails
     * @return its exit status and output
     * @throws IOException          when it cannot be started or its output read
     * @throws InterruptedException when interrupted while waiting
     */
    public static MainProcess runWithoutTestClasses(Class<?> mainClass, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).endsWith("test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        return run(mainClass, classPath, environment, timeout);
    }

    private static MainProcess run(Class<?> mainClass, String classPath, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = Files.createTempFile(mainClass.getSimpleName(), ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(List.of(java.toString(), "-cp", classPath,
                                                                mainClass.getName()))
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            Process process = builder.start();
            boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (!exited) {
                throw new IllegalStateException(mainClass.getName() + " did not exit within " + timeout + "; it printed:\n" + output);
            }
            return new MainProcess(process.exitValue(), output);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
