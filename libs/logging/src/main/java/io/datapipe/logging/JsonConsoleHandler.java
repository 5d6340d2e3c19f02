package io.datapipe.logging;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.util.logging.LogRecord;
import java.util.logging.StreamHandler;

/**
 * A console handler that writes {@link JsonLogFormatter} lines to standard output and flushes each one,
 * for container log collectors. Configure it in {@code logging.properties}:
 * {@code handlers=io.datapipe.logging.JsonConsoleHandler}.
 */
public class JsonConsoleHandler extends StreamHandler {

    public JsonConsoleHandler() {
        super(new FileOutputStream(FileDescriptor.out), new JsonLogFormatter());
    }

    @Override
    public synchronized void publish(LogRecord record) {
        super.publish(record);
        flush();
    }

    @Override
    public synchronized void close() {
        flush();
    }
}
