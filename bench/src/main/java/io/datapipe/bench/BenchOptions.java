package io.datapipe.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;


/**
 * What one run measures and for how long. Every figure has a default fit for a full run on a 2-core
 * machine; {@code --seconds} below {@link #FULL_RUN_SECONDS} scales the row counts down (and the report
 * says so).
 *
 * @param seconds            length of each measurement window (baselines, the 70 % run, each GET run)
 * @param stepSeconds        length of each step of the search for the maximum sustained ingest rate
 * @param rowsSmall          table size of the first read measurement (1 M in a full run)
 * @param rowsLarge          table size of the second read measurement (10 M in a full run)
 * @param users              subjects posting and reading (each with a real signed token)
 * @param startRate          first rate of the ingest search, requests/s
 * @param maxRate            highest rate the ingest search tries, requests/s
 * @param batchSize          records per request of the batch ingest search ({@code POST /data/batch})
 * @param readRate           GET requests/s each table gets in the read measurements
 * @param parallelStart      start the three services at once (quicker; their start-up times then include contention)
 * @param jfr                profile the services with JFR during the 70 % run
 * @param keep               keep the bench database afterwards
 * @param budget             rates (POST/s) of the CPU budget run instead of the full run ({@link CpuBudget}); empty: the full run
 * @param ownServers         a RabbitMQ node and a PostgreSQL server of the run's own, so their CPU is the run's alone
 * @param warmUpSeconds      length of the ingest warm-up
 * @param repo               the repository root (holds {@code services/})
 * @param out                where the report, logs and recordings go
 * @param dbHost             PostgreSQL host
 * @param dbPort             PostgreSQL port
 * @param dbUser             PostgreSQL user (needs CREATE DATABASE)
 * @param dbPassword         its password ("" with trust authentication)
 * @param amqpHost           RabbitMQ host
 * @param amqpPort           RabbitMQ port
 * @param amqpUser           RabbitMQ user
 * @param amqpPassword       its password
 */
record BenchOptions(int seconds,
                    int stepSeconds,
                    long rowsSmall,
                    long rowsLarge,
                    int users,
                    double startRate,
                    double maxRate,
                    int batchSize,
                    double readRate,
                    boolean parallelStart,
                    boolean jfr,
                    boolean keep,
                    List<Double> budget,
                    boolean ownServers,
                    int warmUpSeconds,
                    Path repo,
                    Path out,
                    String dbHost,
                    int dbPort,
                    String dbUser,
                    String dbPassword,
                    String amqpHost,
                    int amqpPort,
                    String amqpUser,
                    String amqpPassword) {

    /** A run at least this long measures at the full table sizes (1 M and 10 M rows). */
    static final int FULL_RUN_SECONDS = 20;

    /** The deployed containers' JVM flags (services/launch.sh). */
    static final String USAGE = """
            usage: java -jar bench/target/datapipe-bench.jar [options]
              --seconds N            length of each measurement window (default 30); below %d the read
                                     measurements use 100 k / 1 M rows instead of 1 M / 10 M
              --step-seconds N       length of each step of the ingest rate search (default seconds/3, 2..10)
              --rows SMALL,LARGE     table sizes of the two read measurements (default 1000000,10000000)
              --users N              subjects, each with a signed token (default 200)
              --start-rate R         first rate of the ingest search, POST/s (default 200)
              --max-rate R           highest rate tried (default 20000), requests/s in both searches
              --batch-size N         records per POST /data/batch in the batch ingest search (default 100, at most 500)
              --read-rate R          GET/s each table gets in the read measurements (default 100)
              --parallel-start       start the three services at once (quicker; start-up then includes contention)
              --no-jfr               do not profile the services
              --keep                 keep the bench database (it is dropped otherwise)
              --budget R,R,...       instead of the full run: the CPU each process (services, broker, database, this
                                     harness) spends per record at each of these fixed POST/s rates
              --own-servers          a RabbitMQ node and a PostgreSQL server of the run's own (test-support), so
                                     their CPU is the run's alone
              --warm-up-seconds N    length of the ingest warm-up (default the window, at most 20)
              --repo DIR             repository root (default: found from the working directory)
              --out DIR              output directory (default: <repo>/bench/target/bench)
            The services run with the pods' JVM flags (services/launch.sh) for their memory limit.
            PostgreSQL and RabbitMQ: DATAPIPE_BENCH_PG_HOST/PORT/USER/PASSWORD and
            DATAPIPE_BENCH_RABBITMQ_HOST/PORT/USERNAME/PASSWORD (default: the local servers).
            """.formatted(FULL_RUN_SECONDS);

    static BenchOptions parse(String... args) {
        int seconds = 30;
        Integer stepSeconds = null;
        long[] rows = null;
        int users = 200;
        double startRate = 200;
        double maxRate = 20_000;
        int batchSize = 100;
        double readRate = 100;
        boolean parallelStart = false;
        boolean jfr = true;
        boolean keep = false;
        List<Double> budget = List.of();
        boolean ownServers = false;
        Integer warmUpSeconds = null;
        Path repo = null;
        Path out = null;
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String option = rest.removeFirst();
            switch (option) {
                case "--seconds" -> seconds = positive(option, Integer.parseInt(value(option, rest)));
                case "--step-seconds" -> stepSeconds = positive(option, Integer.parseInt(value(option, rest)));
                case "--rows" -> rows = Arrays.stream(value(option, rest).split(",")).mapToLong(Long::parseLong).toArray();
                case "--users" -> users = positive(option, Integer.parseInt(value(option, rest)));
                case "--start-rate" -> startRate = Double.parseDouble(value(option, rest));
                case "--max-rate" -> maxRate = Double.parseDouble(value(option, rest));
                case "--batch-size" -> batchSize = positive(option, Integer.parseInt(value(option, rest)));
                case "--read-rate" -> readRate = Double.parseDouble(value(option, rest));
                case "--parallel-start" -> parallelStart = true;
                case "--no-jfr" -> jfr = false;
                case "--keep" -> keep = true;
                case "--budget" -> budget = Arrays.stream(value(option, rest).split(",")).map(Double::parseDouble).toList();
                case "--own-servers" -> ownServers = true;
                case "--warm-up-seconds" -> warmUpSeconds = positive(option, Integer.parseInt(value(option, rest)));
                case "--repo" -> repo = Path.of(value(option, rest));
                case "--out" -> out = Path.of(value(option, rest));
                case "-h", "--help" -> throw new IllegalArgumentException("");
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (rows == null) {
            rows = seconds >= FULL_RUN_SECONDS ? new long[] {1_000_000, 10_000_000} : new long[] {100_000, 1_000_000};
        }
        if (rows.length != 2 || rows[0] <= 0 || rows[1] < rows[0]) {
            throw new IllegalArgumentException("--rows needs SMALL,LARGE with 0 < SMALL <= LARGE");
        }
        if (startRate <= 0 || maxRate < startRate || readRate <= 0) {
            throw new IllegalArgumentException("rates must be positive, with --max-rate >= --start-rate");
        }
        if (budget.stream().anyMatch(rate -> rate <= 0)) {
            throw new IllegalArgumentException("--budget rates must be positive");
        }
        if (batchSize > 500) {
            throw new IllegalArgumentException("--batch-size must be at most 500, the generator's largest batch");
        }
        int step = stepSeconds != null ? stepSeconds : Math.max(2, Math.min(10, seconds / 3));
        Path root = repo != null ? repo : findRepo();
        Path output = out != null ? out : root.resolve("bench").resolve("target").resolve("bench");
        return new BenchOptions(seconds, step, rows[0], rows[1], users, startRate, maxRate, batchSize, readRate,
                                parallelStart, jfr, keep, budget, ownServers,
                                warmUpSeconds != null ? warmUpSeconds : Math.min(20, seconds), root.toAbsolutePath().normalize(),
                                output.toAbsolutePath().normalize(),
                                env("DATAPIPE_BENCH_PG_HOST", "127.0.0.1"),
                                Integer.parseInt(env("DATAPIPE_BENCH_PG_PORT", "5432")),
                                env("DATAPIPE_BENCH_PG_USER", "postgres"),
                                env("DATAPIPE_BENCH_PG_PASSWORD", ""),
                                env("DATAPIPE_BENCH_RABBITMQ_HOST", "127.0.0.1"),
                                Integer.parseInt(env("DATAPIPE_BENCH_RABBITMQ_PORT", "5672")),
                                env("DATAPIPE_BENCH_RABBITMQ_USERNAME", "guest"),
                                env("DATAPIPE_BENCH_RABBITMQ_PASSWORD", "guest"));
    }

    /**
     * The same options against other servers (the soak's own PostgreSQL server and broker cluster).
     *
     * @param db   PostgreSQL port on 127.0.0.1, user postgres with trust authentication
     * @param amqp a RabbitMQ port on 127.0.0.1 for the harness's own probes, user guest
     * @param out  where the report and logs go
     * @return the options
     */
    BenchOptions withLocalServers(int db, int amqp, Path out) {
        return withLocalServers(db, amqp, "guest", "guest", out);
    }

    /**
     * The same options against other servers on 127.0.0.1.
     *
     * @param db           PostgreSQL port, user postgres with trust authentication
     * @param amqp         RabbitMQ port
     * @param amqpUser     a RabbitMQ user who may do anything
     * @param amqpPassword its password
     * @param out          where the report and logs go
     * @return the options
     */
    BenchOptions withLocalServers(int db, int amqp, String amqpUser, String amqpPassword, Path out) {
        return new BenchOptions(seconds, stepSeconds, rowsSmall, rowsLarge, users, startRate, maxRate, batchSize, readRate,
                                parallelStart, jfr, keep, budget, ownServers, warmUpSeconds, repo, out, "127.0.0.1", db, "postgres", "",
                                "127.0.0.1", amqp, amqpUser, amqpPassword);
    }

    /** Whether the read measurements run at smaller table sizes than the 1 M / 10 M of a full run. */
    boolean rowsScaledDown() {
        return rowsSmall != 1_000_000 || rowsLarge != 10_000_000;
    }

    private static String value(String option, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return rest.removeFirst();
    }

    private static int positive(String option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be positive");
        }
        return value;
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    /** The nearest directory, from the working directory up, that holds {@code services/} and {@code bench/}. */
    private static Path findRepo() {
        String configured = System.getProperty("datapipe.repo.dir");
        if (configured != null) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("services")) && Files.isDirectory(dir.resolve("bench"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalArgumentException("run from the repository (no services/ and bench/ above "
                                                   + Path.of("").toAbsolutePath() + "), or pass --repo");
    }
}
