package io.datapipe.http;

import java.util.logging.LogManager;
import java.util.logging.Logger;

import io.datapipe.logging.ShutdownSafeLogManager;

/**
 * The entry point of the three services: Helidon MP's own, followed by the mark that start-up is over.
 *
 * <p>Helidon 4.1 starts the web server (and the messaging channels) while the CDI container is still
 * initialising, and registers its shutdown handler only when that is done. A SIGTERM in between ends the
 * process without the graceful shutdown: no batch drained, no channel closed. The window is short (tens
 * to hundreds of milliseconds) but the server already answers. {@link StartupHealthCheck} keeps the
 * service not ready until {@code main} has returned, so no orchestrator or test takes a service in that
 * window for one that shuts down cleanly.
 *
 * <p>It also installs {@link ShutdownSafeLogManager} (unless another log manager is named), so that the
 * lines logged during the graceful shutdown are not lost to the JDK's own logging shutdown hook.
 */
public final class ServiceMain {

    private static final String LOG_MANAGER_PROPERTY = "java.util.logging.manager";

    private static volatile boolean starting;

    private ServiceMain() {
    }

    /**
     * Starts the service.
     *
     * @param args passed on to Helidon
     */
    public static void main(String[] args) {
        starting = true;
        // A class literal loads the class without initialising it (nor LogManager, which reads the property
        // when it is initialised): this runs before anything has used java.util.logging.
        String shutdownSafe = ShutdownSafeLogManager.class.getName();
        if (System.getProperty(LOG_MANAGER_PROPERTY) == null) {
            System.setProperty(LOG_MANAGER_PROPERTY, shutdownSafe);
        }
        io.helidon.microprofile.cdi.Main.main(args);
        if (!(LogManager.getLogManager() instanceof ShutdownSafeLogManager)) {
            // Something used java.util.logging before main (a Java agent, say): the JDK's manager stays.
            Logger.getLogger(ServiceMain.class.getName()).warning(
                    "java.util.logging was set up before " + shutdownSafe + " could be installed:"
                    + " lines logged during shutdown may be lost; set -D" + LOG_MANAGER_PROPERTY + "=" + shutdownSafe);
        }
        starting = false;
    }

    /**
     * Whether this class is starting the service and has not finished. A service started another way (a
     * test harness) is never "starting" as far as this class knows.
     *
     * @return {@code true} between the start of {@link #main} and its return
     */
    public static boolean isStarting() {
        return starting;
    }
}
