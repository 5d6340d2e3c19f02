package io.datapipe.web;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.inject.Named;

/**
 * Reads a user's records, with plain JDBC over the record store's pool: three statements, each one index
 * lookup, need no object mapping, and without JPA web starts without Hibernate and a transaction manager.
 * Every query names the user in its {@code WHERE} clause: there is no way to read a record by id alone.
 * Pages are ordered newest first by {@code (received_at, id)}, and the next page starts strictly after the
 * last row of the previous one (keyset pagination on the {@code data_record_user_newest} index).
 */
@ApplicationScoped
public class RecordQueries {

    private static final String COLUMNS = "SELECT id, payload, received_at, persisted_at FROM data_record";
    private static final String FIND_OWNED = COLUMNS + " WHERE id = ? AND user_id = ?";
    private static final String FIRST_PAGE = COLUMNS + " WHERE user_id = ?"
            + " ORDER BY received_at DESC, id DESC LIMIT ?";
    // The row comparison is what lets PostgreSQL start the index scan at the cursor; the equivalent OR of two
    // comparisons would scan every newer row of the user first.
    private static final String PAGE_AFTER = COLUMNS + " WHERE user_id = ? AND (received_at, id) < (?, ?)"
            + " ORDER BY received_at DESC, id DESC LIMIT ?";

    private final DataSource dataSource;

    @Inject
    RecordQueries(@Named("datapipe") DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * One record, if it exists and belongs to the user.
     *
     * @param userId the caller
     * @param id     the record id
     * @return the record, or empty
     * @throws SQLException when the database does not answer or refuses the query
     */
    public Optional<RecordView> find(String userId, UUID id) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(FIND_OWNED)) {
            query.setObject(1, id);
            query.setString(2, userId);
            return rows(query).stream().findFirst();
        }
    }

    /**
     * Up to {@code limit} of the user's records, newest first, after a position or from the newest.
     *
     * @param userId the caller
     * @param after  where the previous page ended, or empty for the first page
     * @param limit  most rows to return
     * @return the rows
     * @throws SQLException when the database does not answer or refuses the query
     */
    public List<RecordView> page(String userId, Optional<Cursors.Position> after, int limit) throws SQLException {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement query = connection.prepareStatement(after.isEmpty() ? FIRST_PAGE : PAGE_AFTER)) {
            int parameter = 1;
            query.setString(parameter++, userId);
            if (after.isPresent()) {
                query.setObject(parameter++, OffsetDateTime.ofInstant(after.get().receivedAt(), ZoneOffset.UTC));
                query.setObject(parameter++, after.get().id());
            }
            query.setInt(parameter, limit);
            return rows(query);
        }
    }

    private static List<RecordView> rows(PreparedStatement query) throws SQLException {
        List<RecordView> rows = new ArrayList<>();
        try (ResultSet result = query.executeQuery()) {
            while (result.next()) {
                rows.add(new RecordView(result.getObject(1, UUID.class), result.getString(2),
                                        instant(result, 3), instant(result, 4)));
            }
        }
        return rows;
    }

    private static Instant instant(ResultSet result, int column) throws SQLException {
        return result.getObject(column, OffsetDateTime.class).toInstant();
    }
}
