package io.datapipe.web;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.datapipe.store.DataRecord;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;

/**
 * Reads a user's records. Every query names the user in its {@code WHERE} clause: there is no way to
 * read a record by id alone.
 */
@ApplicationScoped
public class RecordQueries {

    /** Read-only results: Hibernate keeps no snapshots to dirty-check, which the web service never needs. */
    private static final String READ_ONLY = "org.hibernate.readOnly";

    @PersistenceContext(unitName = "datapipe")
    private EntityManager entityManager;

    /**
     * One record, if it exists and belongs to the user.
     *
     * @param userId the caller
     * @param id     the record id
     * @return the record, or empty
     */
    public Optional<DataRecord> find(String userId, UUID id) {
        return entityManager.createNamedQuery(DataRecord.FIND_OWNED, DataRecord.class)
                .setParameter("id", id)
                .setParameter("userId", userId)
                .setHint(READ_ONLY, true)
                .getResultStream()
                .findFirst();
    }

    /**
     * Up to {@code limit} of the user's records, newest first, after a position or from the newest.
     *
     * @param userId the caller
     * @param after  where the previous page ended, or empty for the first page
     * @param limit  most rows to return
     * @return the rows
     */
    public List<DataRecord> page(String userId, Optional<Cursors.Position> after, int limit) {
        if (after.isEmpty()) {
            return entityManager.createNamedQuery(DataRecord.FIRST_PAGE, DataRecord.class)
                    .setParameter("userId", userId)
                    .setHint(READ_ONLY, true)
                    .setMaxResults(limit)
                    .getResultList();
        }
        return entityManager.createNamedQuery(DataRecord.PAGE_AFTER, DataRecord.class)
                .setParameter("userId", userId)
                .setParameter("receivedAt", after.get().receivedAt())
                .setParameter("id", after.get().id())
                .setHint(READ_ONLY, true)
                .setMaxResults(limit)
                .getResultList();
    }
}
