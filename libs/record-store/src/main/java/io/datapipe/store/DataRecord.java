package io.datapipe.store;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

import jakarta.persistence.Access;
import jakarta.persistence.AccessType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.NamedNativeQuery;
import jakarta.persistence.NamedQueries;
import jakarta.persistence.NamedQuery;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A stored record: what a user posted, when the generator accepted it and when the persister stored it.
 *
 * <p>Every query is scoped to a user id in its {@code WHERE} clause: a record is never read by id alone.
 * Pages are ordered newest first by {@code (receivedAt, id)}, and the next page starts strictly after
 * the last row of the previous one (keyset pagination, served by the {@code data_record_user_newest}
 * index).
 */
@Entity
@Table(name = "data_record")
@Access(AccessType.FIELD)
@NamedQueries({
        @NamedQuery(name = DataRecord.FIND_OWNED,
                query = "SELECT r FROM DataRecord r WHERE r.id = :id AND r.userId = :userId"),
        @NamedQuery(name = DataRecord.FIRST_PAGE,
                query = "SELECT r FROM DataRecord r WHERE r.userId = :userId"
                        + " ORDER BY r.receivedAt DESC, r.id DESC"),
})
// Native because the row comparison is what lets PostgreSQL start the index scan at the cursor;
// the equivalent OR of two comparisons would scan every newer row of the user first.
@NamedNativeQuery(name = DataRecord.PAGE_AFTER, resultClass = DataRecord.class,
        query = "SELECT * FROM data_record WHERE user_id = :userId"
                + " AND (received_at, id) < (:receivedAt, :id)"
                + " ORDER BY received_at DESC, id DESC")
public class DataRecord {

    /** One record by id, only if it belongs to the user: {@code :id}, {@code :userId}. */
    public static final String FIND_OWNED = "DataRecord.findOwned";
    /** A user's newest records: {@code :userId}; limit with {@code setMaxResults}. */
    public static final String FIRST_PAGE = "DataRecord.firstPage";
    /** A user's records older than a position: {@code :userId}, {@code :receivedAt}, {@code :id}. */
    public static final String PAGE_AFTER = "DataRecord.pageAfter";

    @Id
    @Column(name = "id", nullable = false, updatable = false)
    private UUID id;

    @Column(name = "user_id", nullable = false, updatable = false)
    private String userId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "payload", nullable = false, updatable = false, columnDefinition = "jsonb")
    private String payload;

    @Column(name = "received_at", nullable = false, updatable = false)
    private Instant receivedAt;

    @Column(name = "persisted_at", nullable = false, insertable = false, updatable = false)
    private Instant persistedAt;

    protected DataRecord() {
        // for JPA
    }

    public UUID id() {
        return id;
    }

    public String userId() {
        return userId;
    }

    /** @return the payload as JSON text */
    public String payload() {
        return payload;
    }

    public Instant receivedAt() {
        return receivedAt;
    }

    public Instant persistedAt() {
        return persistedAt;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof DataRecord record && Objects.equals(id, record.id);
    }

    @Override
    public int hashCode() {
        return Objects.hashCode(id);
    }

    @Override
    public String toString() {
        // No payload: it is the user's data and does not belong in logs.
        return "DataRecord[" + id + "]";
    }
}
