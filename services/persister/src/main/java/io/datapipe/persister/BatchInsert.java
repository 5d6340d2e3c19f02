package io.datapipe.persister;

import java.util.List;

import io.datapipe.contract.RecordCodec;
import io.datapipe.contract.RecordMessage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

/**
 * Writes records to {@code data_record} through JPA: one multi-row insert per batch, in one transaction,
 * skipping ids already stored, so a redelivered record is never stored twice.
 */
@ApplicationScoped
public class BatchInsert {

    private final RecordCodec codec = RecordCodec.standard();

    @PersistenceContext(unitName = "datapipe")
    private EntityManager entityManager;

    /**
     * Inserts records whose ids are not stored yet, and commits.
     *
     * @param records the records, with distinct ids
     * @return how many were new
     */
    @Transactional
    public int insert(List<RecordMessage> records) {
        if (records.isEmpty()) {
            return 0;
        }
        Query insert = entityManager.createNativeQuery(sql(records.size()));
        int parameter = 1;
        for (RecordMessage record : records) {
            insert.setParameter(parameter++, record.id());
            insert.setParameter(parameter++, record.userId());
            insert.setParameter(parameter++, codec.payloadText(record.payload()));
            insert.setParameter(parameter++, record.receivedAt());
        }
        return insert.executeUpdate();
    }

    private static String sql(int rows) {
        StringBuilder sql = new StringBuilder(64 + rows * 40)
                .append("INSERT INTO data_record (id, user_id, payload, received_at) VALUES ");
        for (int row = 0; row < rows; row++) {
            int first = row * 4 + 1;
            sql.append(row == 0 ? "" : ", ")
                    .append("(?").append(first)
                    .append(", ?").append(first + 1)
                    .append(", CAST(?").append(first + 2).append(" AS jsonb)")
                    .append(", ?").append(first + 3).append(')');
        }
        return sql.append(" ON CONFLICT (id) DO NOTHING").toString();
    }
}
