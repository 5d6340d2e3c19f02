package io.datapipe.persister;

import java.sql.SQLException;

/**
 * Why a write failed, told apart by what it means for the records: a failure of the <em>data</em>
 * (PostgreSQL refused these rows: SQL states of class 22, data exception, and 23, integrity constraint
 * violation) is permanent for those rows; anything else (no connection, a restart, a timeout, a missing
 * table during a deployment) is the database's, and writing the same rows again later can succeed.
 */
final class StoreFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean transientFailure;

    private StoreFailure(boolean transientFailure, String message, Throwable cause) {
        super(message, cause, false, false);
        this.transientFailure = transientFailure;
    }

    static StoreFailure classify(Throwable failure) {
        SQLException sql = sqlException(failure);
        String state = sql == null ? null : sql.getSQLState();
        boolean dataRefused = state != null && (state.startsWith("22") || state.startsWith("23"));
        String message = sql == null ? describe(failure) : "SQL state " + state + ": " + sql.getMessage();
        return new StoreFailure(!dataRefused, message, failure);
    }

    /** @return whether writing the same records later can succeed */
    boolean isTransient() {
        return transientFailure;
    }

    /** The same failure, judged transient: the database was found unreachable while it happened. */
    StoreFailure asTransient() {
        return new StoreFailure(true, getMessage(), getCause());
    }

    /** Transient failures are retried; this type lets the retry policy tell them apart. */
    static final class Retryable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final StoreFailure failure;

        Retryable(StoreFailure failure) {
            super(failure.getMessage(), failure, false, false);
            this.failure = failure;
        }

        StoreFailure failure() {
            return failure;
        }
    }

    private static SQLException sqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql) {
                SQLException next = sql.getNextException();
                // Batch errors carry the real state on the chained exception.
                return next != null && next.getSQLState() != null ? next : sql;
            }
        }
        return null;
    }

    private static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
