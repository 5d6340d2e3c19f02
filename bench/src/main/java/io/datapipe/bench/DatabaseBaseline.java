package io.datapipe.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import io.datapipe.contract.RecordIds;

/**
 * The database's own limit for the pipeline's rows: plain JDBC, one connection (the persister has one
 * writer), the persister's statement shape ({@code INSERT ... VALUES (?, ?, CAST(? AS jsonb), ?), ...
 * ON CONFLICT (id) DO NOTHING}, one multi-row statement and one transaction per batch of the persister's
 * batch size), into a scratch table made {@code LIKE data_record INCLUDING ALL} (same columns,
 * constraints and indexes), in the bench database. The table is dropped afterwards.
 */
final class DatabaseBaseline {

    private DatabaseBaseline() {
    }

    static Map<String, Object> measure(BenchEnv env, int batchSize, int seconds) throws SQLException {
        try (Connection connection = env.connect()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS bench_scratch");
                statement.execute("CREATE TABLE bench_scratch (LIKE data_record INCLUDING ALL)");
            }
            connection.setAutoCommit(true);
            long rows = 0;
            long batches = 0;
            long start = System.nanoTime();
            long end = start + seconds * 1_000_000_000L;
            try (PreparedStatement insert = connection.prepareStatement(sql(batchSize))) {
                long n = 0;
                while (System.nanoTime() < end) {
                    int parameter = 1;
                    OffsetDateTime now = OffsetDateTime.ofInstant(Instant.now().truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
                    for (int row = 0; row < batchSize; row++, n++) {
                        insert.setObject(parameter++, RecordIds.next());
                        insert.setString(parameter++, BenchEnv.user((int) (n % env.options.users())));
                        insert.setString(parameter++, BenchEnv.payload(n));
                        insert.setObject(parameter++, now);
                    }
                    rows += insert.executeUpdate();
                    batches++;
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE bench_scratch");
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("method", "JDBC multi-row INSERT ... ON CONFLICT (id) DO NOTHING, autocommit, one connection, "
                    + "into a table LIKE data_record INCLUDING ALL");
            result.put("batch_size", batchSize);
            result.put("seconds", Math.round(elapsed * 100) / 100.0);
            result.put("rows", rows);
            result.put("batches", batches);
            result.put("limit_rows_per_s", Math.round(rows / elapsed));
            return result;
        }
    }

    private static String sql(int rows) {
        StringBuilder sql = new StringBuilder("INSERT INTO bench_scratch (id, user_id, payload, received_at) VALUES ");
        for (int row = 0; row < rows; row++) {
            sql.append(row == 0 ? "" : ", ").append("(?, ?, CAST(? AS jsonb), ?)");
        }
        return sql.append(" ON CONFLICT (id) DO NOTHING").toString();
    }
}
