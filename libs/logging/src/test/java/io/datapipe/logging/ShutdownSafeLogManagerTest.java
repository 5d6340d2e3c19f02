package io.datapipe.logging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lines logged from a shutdown hook reach the log with {@link ShutdownSafeLogManager}, and are lost with
 * the JDK's log manager (which is why it exists). Each case runs {@link ShutdownLoggingProbe} in a JVM of
 * its own, since the log manager is chosen once per JVM.
 */
class ShutdownSafeLogManagerTest {

    @Test
    void linesLoggedDuringShutdownAreWritten() throws Exception {
        String output = runProbe(ShutdownSafeLogManager.class.getName());

        assertThat(output).contains("\"message\":\"started\"").contains("\"message\":\"logged during shutdown\"");
    }

    @Test
    void theJdkLogManagerLosesThem() throws Exception {
        String output = runProbe("java.util.logging.LogManager");

        assertThat(output).contains("\"message\":\"started\"").doesNotContain("logged during shutdown");
    }

    private static String runProbe(String logManager) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process process = new ProcessBuilder(List.of(java.toString(), "-Djava.util.logging.manager=" + logManager,
                                                     "-cp", System.getProperty("java.class.path"),
                                                     ShutdownLoggingProbe.class.getName()))
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("probe exited").isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
