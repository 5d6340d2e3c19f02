package io.datapipe.bench;

import io.datapipe.testsupport.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Read: {@code GET /data} first pages and deep pages (a cursor thousands of rows in) at two table sizes,
 * to show that a page costs the same whatever the table size and the depth (keyset pagination on the
 * index {@code (user_id, received_at DESC, id DESC)}).
 *
 * <p>The two tables live side by side, each in its own database served by its own web process (the
 * large one is the bench database, the small one a second database web migrates itself), and are
 * measured <em>interleaved</em>: one constant-rate load sends every other request to each, so both see the
 * same moments of a noisy machine and their ratio means something.
 *
 * <p>Rows are seeded with SQL straight into each database, after the schema is migrated: time-ordered
 * UUIDv7-shaped ids, a year of {@code received_at}, and the subjects spread unevenly as real users are
 * (subject {@code k} of {@code n} gets a share of about {@code sqrt((k+1)/n) - sqrt(k/n)}: the heaviest has
 * 7 % of all rows at 200 subjects, the median about 0.35 %). The secondary index is dropped while seeding
 * and built again afterwards from its own definition (faster than maintaining it row by row), then the
 * table is analysed.
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

    /** One table: its database, the web process serving it, and the deep cursors walked in it. */
    static final class Table {
        final String label;
        final String database;
        final ServiceProcess web;
        long seeded;
        List<String[]> deepCursors = List.of();

        Table(String label, String database, ServiceProcess web) {
            this.label = label;
            this.database = database;
            this.web = web;
        }
    }

    private final BenchEnv env;
    private final Console console;
    private final ObjectMapper json = new ObjectMapper();
    private final long baseMs = System.currentTimeMillis() - SPAN_MS - 24L * 3600 * 1000;
    private final long stepMs;

    ReadBench(BenchEnv env, Console console) {
        this.env = env;
        this.console = console;
        this.stepMs = Math.max(1, SPAN_MS / env.options.rowsLarge());
    }

    /**
     * Seeds a table up to {@code rows} rows in all (counting what is there already).
     *
     * @return seeding figures
     */
    Map<String, Object> seedTo(Table table, long rows) throws SQLException {
        Map<String, Object> result = new LinkedHashMap<>();
        try (Connection connection = env.connect(table.database); Statement statement = connection.createStatement()) {
            long existing = count(statement);
            long toAdd = Math.max(0, rows - existing);
            console.phase(String.format("seeding %,d rows into the %s table (%,d -> %,d)", toAdd, table.label, existing, rows), 0);
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
                    long from = table.seeded + done;
                    long to = table.seeded + Math.min(toAdd, done + chunk) - 1;
                    seed.setLong(1, baseMs);
                    seed.setLong(2, stepMs);
                    seed.setInt(3, env.options.users());
                    seed.setInt(4, env.options.users());
                    seed.setLong(5, from);
                    seed.setLong(6, to);
                    seed.executeUpdate();
                }
            }
            double insertSeconds = (System.nanoTime() - insertStarted) / 1e9;
            table.seeded += toAdd;
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
    List<String> heavyUsers(Table table, long minRows, int max) throws SQLException {
        List<String> users = new ArrayList<>();
        try (Connection connection = env.connect(table.database);
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
    long nthHeaviestRows(Table table, int n) throws SQLException {
        try (Connection connection = env.connect(table.database);
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
    void walkDeepCursors(Table table, List<String> users, int depth) throws IOException, InterruptedException {
        console.phase("walking " + users.size() + " subjects " + depth + " rows deep in the " + table.label
                              + " table for deep-page cursors", 0);
        List<String[]> cursors = new ArrayList<>();
        for (String user : users) {
            String token = env.tokens.get(env.users.indexOf(user));
            String cursor = null;
            int walked = 0;
            while (walked < depth) {
                int limit = Math.min(500, depth - walked);
                JsonNode page = page(table.web, token, limit, cursor);
                JsonNode next = page.get("nextCursor");
                if (next == null || next.isNull()) {
                    break;
                }
                cursor = next.asText();
                walked += page.get("items").size(); // a page may end early, at web's max-page-bytes
            }
            if (walked >= depth && cursor != null) {
                cursors.add(new String[] {user, token, cursor});
            }
        }
        table.deepCursors = cursors;
    }

    private JsonNode page(ServiceProcess web, String token, int limit, String cursor) throws IOException, InterruptedException {
        String query = "/data?limit=" + limit + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
        BenchHttp.Answer response = BenchHttp.await(env.http.get(web.uri(query), token));
        if (response.status() != 200) {
            throw new IllegalStateException("GET " + query + " answered " + response.status() + ": " + response.body());
        }
        return json.readTree(response.body());
    }

    /**
     * GET first pages (every subject in turn), then deep pages (the walked cursors in turn), each load
     * alternating between the tables request by request.
     *
     * @param tables        the tables, measured together
     * @param ratePerTable  GET/s each table gets
     * @param seconds       length of each of the two measurements
     * @return per table label: {@code first_page} and {@code deep_page} figures
     */
    Map<String, Object> measure(List<Table> tables, double ratePerTable, int seconds) throws InterruptedException {
        double rate = ratePerTable * tables.size();
        int warmUp = Math.min(5, Math.max(1, seconds / 2));
        for (boolean deep : List.of(false, true)) {
            warmUp(tables, rate, warmUp, deep);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        tables.forEach(table -> result.put(table.label, new LinkedHashMap<String, Object>()));
        java.time.Instant windowStart = java.time.Instant.now();
        for (boolean deep : List.of(false, true)) {
            String kind = deep ? "deep_page" : "first_page";
            console.phase(String.format("GET %s, tables interleaved: %.0f GET/s each", kind.replace('_', ' '), ratePerTable), seconds);
            List<Histogram> latencies = run(tables, rate, seconds, deep);
            for (int i = 0; i < tables.size(); i++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> figures = (Map<String, Object>) result.get(tables.get(i).label);
                figures.put(kind, figures(latencies.get(i), seconds));
            }
        }
        result.put("window", List.of(windowStart.toString(), java.time.Instant.now().toString()));
        for (Table table : tables) {
            @SuppressWarnings("unchecked")
            Map<String, Object> figures = (Map<String, Object>) result.get(table.label);
            console.line(String.format("  %-6s table: first page p50 %.2f ms p99 %.2f ms   deep page p50 %.2f ms p99 %.2f ms",
                                       table.label, num(figures, "first_page", "p50_ms"), num(figures, "first_page", "p99_ms"),
                                       num(figures, "deep_page", "p50_ms"), num(figures, "deep_page", "p99_ms")));
        }
        return result;
    }

    /**
     * Warms the web processes and the tables' pages up at the measured rate until a round answers as a
     * measurement must (99 % {@code 200}), at most {@link #WARM_UP_ROUNDS} rounds: right after seeding, the
     * 10 M table is cold (its pages are not in memory), and its first GETs wait on the disk and then on
     * the pool (503) until it is warm.
     */
    private void warmUp(List<Table> tables, double rate, int seconds, boolean deep) throws InterruptedException {
        String kind = deep ? "deep pages" : "first pages";
        for (int round = 1; ; round++) {
            console.phase(String.format("GET warm-up, %s, both tables (round %d)", kind, round), seconds);
            try {
                run(tables, rate, seconds, deep);
                return;
            } catch (IllegalStateException notYet) {
                if (round == WARM_UP_ROUNDS) {
                    throw new IllegalStateException("not warm after " + WARM_UP_ROUNDS + " rounds: " + notYet.getMessage());
                }
                console.line("  " + notYet.getMessage() + ": once more");
            }
        }
    }

    private static final int WARM_UP_ROUNDS = 12;

    /** One interleaved load: request n goes to table n mod tables; returns each table's latencies. */
    private List<Histogram> run(List<Table> tables, double rate, int seconds, boolean deep) throws InterruptedException {
        List<Histogram> latencies = new ArrayList<>();
        List<java.util.concurrent.atomic.AtomicLongArray> statuses = new ArrayList<>();
        for (int i = 0; i < tables.size(); i++) {
            latencies.add(new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(60), 3));
            statuses.add(new java.util.concurrent.atomic.AtomicLongArray(2));
        }
        URI[] first = tables.stream().map(table -> table.web.uri("/data")).toArray(URI[]::new);
        OpenLoad.Result load = OpenLoad.run(rate, Duration.ofSeconds(seconds), 200, 4_000, n -> {
            int t = (int) (n % tables.size());
            Table table = tables.get(t);
            long turn = n / tables.size();
            if (deep && !table.deepCursors.isEmpty()) {
                String[] entry = table.deepCursors.get((int) (turn % table.deepCursors.size()));
                return env.http.get(table.web.uri("/data?cursor=" + URLEncoder.encode(entry[2], StandardCharsets.UTF_8)), entry[1]);
            }
            return env.http.get(first[t], env.token(turn));
        }, (n, intended, response) -> {
            int t = (int) (n % tables.size());
            Histogram histogram = latencies.get(t);
            histogram.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - intended),
                                           histogram.getHighestTrackableValue()));
        });
        if (load.okFraction() < 0.99) {
            throw new IllegalStateException("GET /data failed: " + load.statuses());
        }
        return latencies;
    }

    private static Map<String, Object> figures(Histogram latency, int seconds) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("requests", latency.getTotalCount());
        map.put("per_s", Math.round(latency.getTotalCount() / (double) seconds));
        map.put("p50_ms", IngestBench.round(latency.getValueAtPercentile(50) / 1000.0, 2));
        map.put("p99_ms", IngestBench.round(latency.getValueAtPercentile(99) / 1000.0, 2));
        map.put("p999_ms", IngestBench.round(latency.getValueAtPercentile(99.9) / 1000.0, 2));
        map.put("max_ms", IngestBench.round(latency.getMaxValue() / 1000.0, 2));
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
