package io.datapipe.bench;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Read: {@code GET /data} first pages and deep pages (a cursor thousands of rows in) at two table sizes,
 * to show that a page costs the same whatever the table size and the depth (keyset pagination on the
 * index {@code (user_id, received_at DESC, id DESC)}).
 *
 * <p>Rows are seeded with SQL straight into the bench database, after the persister has migrated it:
 * time-ordered UUIDv7-shaped ids, a year of {@code received_at}, and the subjects spread unevenly as real
 * users are (subject {@code k} of {@code n} gets a share of about {@code sqrt((k+1)/n) - sqrt(k/n)}: the
 * heaviest has 7 % of all rows at 200 subjects, the median about 0.35 %). The secondary index is dropped
 * while seeding and built again afterwards from its own definition (faster than maintaining it row by
 * row), then the table is analysed.
 */
final class ReadBench {

    private static final String INDEX = "data_record_user_newest";
    private static final long SPAN_MS = 365L * 24 * 3600 * 1000;
    private static final String SEED = """
            INSERT INTO data_record (id, user_id, payload, received_at, persisted_at)
            SELECT (lpad(to_hex(ms), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid,
                   'bench-user-' || lpad(u::text, 3, '0'),
                   jsonb_build_object('informationOne', 'aaa23', 'informationTwo', 'bbb24', 'seq', g,
                                      'note', 'seeded record with a realistic body'),
                   to_timestamp(ms / 1000.0),
                   to_timestamp(ms / 1000.0) + interval '40 milliseconds'
            FROM (SELECT g, ?::bigint + g * ?::bigint AS ms, md5(g::text) AS h,
                         least(?::int - 1, floor(?::int * power(random(), 2))::int) AS u
                  FROM generate_series(?::bigint, ?::bigint) AS g) AS s
            """;

    private final BenchEnv env;
    private final Console console;
    private final ServiceProcess web;
    private final ObjectMapper json = new ObjectMapper();
    private final long baseMs = System.currentTimeMillis() - SPAN_MS - 24L * 3600 * 1000;
    private final long stepMs;
    private long seeded;

    ReadBench(BenchEnv env, Console console, ServiceProcess web) {
        this.env = env;
        this.console = console;
        this.web = web;
        this.stepMs = Math.max(1, SPAN_MS / env.options.rowsLarge());
    }

    /**
     * Seeds the table up to {@code rows} rows in all (counting what the ingest phases stored).
     *
     * @return seeding figures
     */
    Map<String, Object> seedTo(long rows) throws SQLException {
        Map<String, Object> result = new LinkedHashMap<>();
        try (Connection connection = env.connect(); Statement statement = connection.createStatement()) {
            long existing = count(statement);
            long toAdd = Math.max(0, rows - existing);
            console.phase(String.format("seeding %,d rows (table: %,d -> %,d)", toAdd, existing, rows), 0);
            long started = System.nanoTime();
            statement.execute("SET synchronous_commit = off");
            statement.execute("SET maintenance_work_mem = '512MB'");
            String indexDefinition;
            try (ResultSet definition = statement.executeQuery("SELECT pg_get_indexdef('" + INDEX + "'::regclass)")) {
                definition.next();
                indexDefinition = definition.getString(1);
            }
            statement.execute("DROP INDEX " + INDEX);
            long chunk = 250_000;
            long insertStarted = System.nanoTime();
            try (PreparedStatement seed = connection.prepareStatement(SEED)) {
                for (long done = 0; done < toAdd; done += chunk) {
                    long from = seeded + done;
                    long to = seeded + Math.min(toAdd, done + chunk) - 1;
                    seed.setLong(1, baseMs);
                    seed.setLong(2, stepMs);
                    seed.setInt(3, env.options.users());
                    seed.setInt(4, env.options.users());
                    seed.setLong(5, from);
                    seed.setLong(6, to);
                    seed.executeUpdate();
                    console.progress(Math.min(toAdd, done + chunk), toAdd);
                }
            }
            double insertSeconds = (System.nanoTime() - insertStarted) / 1e9;
            seeded += toAdd;
            long indexStarted = System.nanoTime();
            statement.execute(indexDefinition);
            double indexSeconds = (System.nanoTime() - indexStarted) / 1e9;
            long analyzeStarted = System.nanoTime();
            statement.execute("ANALYZE data_record");
            double analyzeSeconds = (System.nanoTime() - analyzeStarted) / 1e9;
            double total = (System.nanoTime() - started) / 1e9;
            long tableRows = count(statement);
            result.put("rows_in_table", tableRows);
            result.put("rows_added", toAdd);
            result.put("insert_s", IngestBench.round(insertSeconds, 1));
            result.put("index_build_s", IngestBench.round(indexSeconds, 1));
            result.put("analyze_s", IngestBench.round(analyzeSeconds, 1));
            result.put("seed_total_s", IngestBench.round(total, 1));
            result.put("seed_rows_per_s", toAdd == 0 ? 0 : Math.round(toAdd / insertSeconds));
            try (ResultSet size = statement.executeQuery("SELECT pg_total_relation_size('data_record'), "
                                                                 + "pg_relation_size('" + INDEX + "')")) {
                size.next();
                result.put("table_total_mb", size.getLong(1) / (1024 * 1024));
                result.put("index_mb", size.getLong(2) / (1024 * 1024));
            }
            console.line(String.format("  %,d rows added in %.1f s (insert %.1f s, index %.1f s, analyze %.1f s); table %s MiB",
                                       toAdd, total, insertSeconds, indexSeconds, analyzeSeconds, result.get("table_total_mb")));
        }
        return result;
    }

    private static long count(Statement statement) throws SQLException {
        try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM data_record")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Subjects with at least {@code minRows} rows, heaviest first, at most {@code max}. */
    List<String> heavyUsers(long minRows, int max) throws SQLException {
        List<String> users = new ArrayList<>();
        try (Connection connection = env.connect();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT user_id, count(*) FROM data_record WHERE user_id LIKE 'bench-user-%' GROUP BY user_id "
                             + "HAVING count(*) >= ? ORDER BY count(*) DESC LIMIT ?")) {
            query.setLong(1, minRows);
            query.setInt(2, max);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    users.add(rows.getString(1));
                }
            }
        }
        return users;
    }

    /** Rows of the n-th heaviest subject (1 = the heaviest), 0 when there are fewer subjects. */
    long nthHeaviestRows(int n) throws SQLException {
        try (Connection connection = env.connect();
             PreparedStatement query = connection.prepareStatement(
                     "SELECT count(*) FROM data_record WHERE user_id LIKE 'bench-user-%' GROUP BY user_id "
                             + "ORDER BY count(*) DESC OFFSET ? LIMIT 1")) {
            query.setInt(1, n - 1);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    /** A deep cursor of each user: walks {@code depth} rows through the API, 500 at a time. */
    List<String[]> deepCursors(List<String> users, int depth) throws IOException, InterruptedException {
        console.phase("walking " + users.size() + " subjects " + depth + " rows deep for deep-page cursors", 0);
        List<String[]> cursors = new ArrayList<>();
        for (String user : users) {
            String token = env.tokens.get(env.users.indexOf(user));
            String cursor = null;
            int walked = 0;
            while (walked < depth) {
                int limit = Math.min(500, depth - walked);
                JsonNode page = page(token, limit, cursor);
                JsonNode next = page.get("nextCursor");
                if (next == null || next.isNull()) {
                    break;
                }
                cursor = next.asText();
                walked += limit;
            }
            if (walked >= depth && cursor != null) {
                cursors.add(new String[] {user, token, cursor});
            }
            console.progress(cursors.size(), users.size());
        }
        return cursors;
    }

    private JsonNode page(String token, int limit, String cursor) throws IOException, InterruptedException {
        String query = "/data?limit=" + limit + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        HttpResponse<String> response = env.http.send(
                HttpRequest.newBuilder(web.uri(query)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + query + " answered " + response.statusCode() + ": " + response.body());
        }
        return json.readTree(response.body());
    }

    /**
     * GET first pages (every subject in turn) and deep pages (the walked cursors in turn), each at a
     * constant rate.
     */
    Map<String, Object> measure(String label, List<String[]> deep, double rate, int seconds) throws InterruptedException {
        Map<String, Object> result = new LinkedHashMap<>();
        URI first = web.uri("/data");
        int warmUp = Math.min(5, Math.max(1, seconds / 2));
        console.phase("GET warm-up at " + label, warmUp);
        OpenLoad.run(rate, Duration.ofSeconds(warmUp), 200, 2_000, n -> env.get(first, env.token(n)), null, null);
        if (!deep.isEmpty()) {
            OpenLoad.run(rate, Duration.ofSeconds(warmUp), 200, 2_000, n -> {
                String[] entry = deep.get((int) (n % deep.size()));
                return env.get(web.uri("/data?cursor=" + URLEncoder.encode(entry[2], StandardCharsets.UTF_8)), entry[1]);
            }, null, null);
        }
        console.phase(String.format("GET first page at %s rows: %.0f GET/s", label, rate), seconds);
        OpenLoad.Result firstPage = OpenLoad.run(rate, Duration.ofSeconds(seconds), 200, 2_000,
                                                 n -> env.get(first, env.token(n)), null,
                                                 progress(rate, seconds));
        result.put("first_page", figures(firstPage));
        if (!deep.isEmpty()) {
            console.phase(String.format("GET deep page at %s rows: %.0f GET/s", label, rate), seconds);
            OpenLoad.Result deepPage = OpenLoad.run(rate, Duration.ofSeconds(seconds), 200, 2_000, n -> {
                String[] entry = deep.get((int) (n % deep.size()));
                return env.get(web.uri("/data?cursor=" + URLEncoder.encode(entry[2], StandardCharsets.UTF_8)), entry[1]);
            }, null, progress(rate, seconds));
            result.put("deep_page", figures(deepPage));
        }
        console.line(String.format("  first page p50 %.2f ms p99 %.2f ms   deep page p50 %.2f ms p99 %.2f ms",
                                   num(result, "first_page", "p50_ms"), num(result, "first_page", "p99_ms"),
                                   num(result, "deep_page", "p50_ms"), num(result, "deep_page", "p99_ms")));
        return result;
    }

    private java.util.function.LongFunction<Void> progress(double rate, int seconds) {
        long total = Math.round(rate * seconds);
        return n -> {
            console.progress(n, total);
            return null;
        };
    }

    private static Map<String, Object> figures(OpenLoad.Result load) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("requests", load.sent());
        map.put("ok_fraction", IngestBench.round(load.okFraction(), 4));
        map.put("statuses", load.statuses());
        map.put("p50_ms", IngestBench.round(load.p(50), 2));
        map.put("p99_ms", IngestBench.round(load.p(99), 2));
        map.put("p999_ms", IngestBench.round(load.p(99.9), 2));
        return map;
    }

    @SuppressWarnings("unchecked")
    static double num(Map<String, Object> result, String kind, String key) {
        Object section = result.get(kind);
        if (!(section instanceof Map)) {
            return Double.NaN;
        }
        Object value = ((Map<String, Object>) section).get(key);
        return value instanceof Number number ? number.doubleValue() : Double.NaN;
    }
}
