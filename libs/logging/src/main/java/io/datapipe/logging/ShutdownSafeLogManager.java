package io.datapipe.logging;

import java.util.logging.LogManager;

/**
 * A {@link LogManager} that keeps its handlers open while the JVM shuts down, so that what the services
 * log during a graceful shutdown (the batch drained, the channels closed) reaches the log.
 *
 * <p>The JDK resets logging from a shutdown hook of its own, which runs concurrently with every other
 * hook (JDK-8161253): whichever wins, the lines logged by the application's shutdown are lost. Helidon
 * works around this with a handler whose {@code close()} waits for its shutdown thread, but that wait
 * returns at once when the logging hook gets there before the JVM has started Helidon's thread, which
 * happens often enough right after start-up. This manager instead ignores the reset that comes from the
 * JDK's shutdown hook. Nothing is lost by not closing the handlers then: {@link JsonConsoleHandler}
 * flushes every line, and the process ends right after.
 *
 * <p>It takes effect only as the JVM's log manager: {@code -Djava.util.logging.manager=} this class,
 * set before anything uses {@code java.util.logging} (the services' main class does that).
 */
public class ShutdownSafeLogManager extends LogManager {

    /** The JDK's logging shutdown hook: {@code LogManager.Cleaner}, a private class of {@link LogManager}. */
    private static final String JDK_LOGGING_CLEANER = LogManager.class.getName() + "$Cleaner";

    @Override
    public void reset() {
        if (Thread.currentThread().getClass().getName().equals(JDK_LOGGING_CLEANER)) {
            return;
        }
        super.reset();
    }
}
