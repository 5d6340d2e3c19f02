package io.datapipe.logging;

import java.util.logging.Handler;
import java.util.logging.Logger;

/**
 * A program for {@link ShutdownSafeLogManagerTest}: logs through {@link JsonConsoleHandler} from a
 * shutdown hook that starts logging only after the JDK's own logging hook has had ample time to run.
 */
public final class ShutdownLoggingProbe {

    private ShutdownLoggingProbe() {
    }

    public static void main(String[] args) {
        Logger root = Logger.getLogger("");
        for (Handler handler : root.getHandlers()) {
            root.removeHandler(handler);
        }
        root.addHandler(new JsonConsoleHandler());
        Logger logger = Logger.getLogger(ShutdownLoggingProbe.class.getName());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            logger.info("logged during shutdown");
        }));
        logger.info("started");
    }
}
