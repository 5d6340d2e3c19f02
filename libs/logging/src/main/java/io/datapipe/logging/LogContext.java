package io.datapipe.logging;

import java.util.Optional;

/**
 * What log lines of the current thread should say about who is being served. Set by the HTTP layer once
 * the caller is authenticated, cleared when the response is written.
 */
public final class LogContext {

    private static final ThreadLocal<String> USER_ID = new ThreadLocal<>();

    private LogContext() {
    }

    /**
     * Names the caller of the current request.
     *
     * @param userId the caller's user id, or {@code null} to forget it
     */
    public static void userId(String userId) {
        if (userId == null) {
            USER_ID.remove();
        } else {
            USER_ID.set(userId);
        }
    }

    /** @return the current caller's user id, when known */
    public static Optional<String> userId() {
        return Optional.ofNullable(USER_ID.get());
    }
}
