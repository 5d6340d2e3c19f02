package io.datapipe.web;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.datapipe.contract.RecordIds;
import io.datapipe.http.ApiException;
import io.datapipe.http.LimitParameter;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Records, read side; only ever the caller's own.
 * <ul>
 *     <li>{@code GET /data?limit=&cursor=} (role {@code data.read}): the caller's records, newest first,
 *     one page at a time;</li>
 *     <li>{@code GET /data/{id}} (role {@code data.read}): one of the caller's records; 404 when there is
 *     no such record or it belongs to someone else, which are indistinguishable on purpose.</li>
 * </ul>
 * {@link DataRoutes} serves them, having checked the caller, the role and the limits. A read that failed
 * because the database is unreachable is a 503 with {@code Retry-After}; any other database failure is a
 * bug, the generic 500.
 */
@ApplicationScoped
public class DataResource {

    private static final System.Logger LOGGER = System.getLogger(DataResource.class.getName());
    /** Rows read at a time: a page of up to max-limit rows of up to 64 KiB each is never held whole. */
    private static final int CHUNK_ROWS = 51;

    private final RecordQueries queries;
    private final Cursors cursors;
    private final int defaultLimit;
    private final int maxLimit;
    private final long maxPageBytes;
    private final Duration retryAfter;

    @Inject
    DataResource(RecordQueries queries,
                 Cursors cursors,
                 @ConfigProperties WebConfig config) {
        this.queries = queries;
        this.cursors = cursors;
        this.defaultLimit = config.defaultLimit();
        this.maxLimit = config.maxLimit();
        this.maxPageBytes = config.maxPageBytes();
        this.retryAfter = config.retryAfter();
    }

    /**
     * A page of the caller's records.
     *
     * @param limit  the {@code limit} query parameter, or {@code null}
     * @param cursor the {@code cursor} query parameter, or {@code null}
     * @param userId the authenticated caller
     * @return the page
     * @throws ApiException 400 for a limit out of range or a cursor not issued to the caller, 503 when the
     *                      database is unavailable
     */
    RecordPage list(String limit, String cursor, String userId) {
        int size = LimitParameter.parse(limit, defaultLimit, maxLimit);
        Optional<Cursors.Position> from = Optional.empty();
        if (cursor != null) {
            from = Optional.of(cursors.decode(userId, cursor).orElseThrow(
                    () -> ApiException.badRequest("INVALID_CURSOR", "the cursor is not one this API issued to you")));
        }
        // Rows are read a chunk at a time, and the page ends at its size or once its payloads reach
        // maxPageBytes, whichever comes first; one row more than the page tells whether there is a next page.
        List<RecordView> page = new ArrayList<>();
        long bytes = 0;
        boolean more = false;
        chunks:
        while (true) {
            int wanted = Math.min(CHUNK_ROWS, size + 1 - page.size());
            Optional<Cursors.Position> after = from;
            List<RecordView> rows = read(() -> queries.page(userId, after, wanted));
            for (RecordView row : rows) {
                if (page.size() == size || bytes >= maxPageBytes) {
                    more = true;
                    break chunks;
                }
                page.add(row);
                bytes += row.payload().length();
            }
            if (rows.size() < wanted) {
                break;
            }
            from = Optional.of(positionOf(rows.get(rows.size() - 1)));
        }
        String next = more ? cursors.encode(userId, positionOf(page.get(page.size() - 1))) : null;
        return new RecordPage(page, next);
    }

    private static Cursors.Position positionOf(RecordView record) {
        return new Cursors.Position(record.receivedAt(), record.id());
    }

    /**
     * One of the caller's records.
     *
     * @param id     the {@code id} path parameter
     * @param userId the authenticated caller
     * @return the record
     * @throws ApiException 400 for an id that is not a UUID, 404 when there is no such record of the caller,
     *                      503 when the database is unavailable
     */
    RecordView get(String id, String userId) {
        UUID recordId = RecordIds.parse(id).orElseThrow(
                () -> ApiException.badRequest("INVALID_ID", "the record id must be a UUID"));
        return read(() -> queries.find(userId, recordId))
                .orElseThrow(() -> ApiException.notFound("no record with this id"));
    }

    /** A query of {@link RecordQueries}. */
    @FunctionalInterface
    private interface Query<T> {
        T run() throws SQLException;
    }

    /** Runs a query; the database's unavailability becomes a 503, any other failure the generic 500. */
    private <T> T read(Query<T> query) {
        try {
            return query.run();
        } catch (SQLException e) {
            if (!isUnavailability(e)) {
                throw new IllegalStateException("the query failed", e);
            }
            LOGGER.log(WARNING, () -> "database unavailable: " + e.getMessage());
            throw ApiException.serviceUnavailable("the database is unavailable", retryAfter);
        }
    }

    static boolean isUnavailability(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }
}
