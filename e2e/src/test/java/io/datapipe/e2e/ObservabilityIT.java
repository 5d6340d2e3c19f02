package io.datapipe.e2e;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.datapipe.monitoring.AlertmanagerConfigs;
import io.datapipe.monitoring.LocalAlertmanager;
import io.datapipe.monitoring.LocalPostgresExporter;
import io.datapipe.monitoring.LocalPrometheus;
import io.datapipe.monitoring.PrometheusRules;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboards, the PrometheusRule and the canary analysis, run by a real Prometheus against the running
 * services after real traffic, and the alerts delivered by a real Alertmanager with production's routing:
 * <ol>
 *     <li>healthy traffic passes the canary analysis's success rate (its condition, as written, holds), and
 *     its latency is measured;</li>
 *     <li>a generator that fails every request fails it;</li>
 *     <li>every query of dashboards/, the rules and the analysis parses, and returns series (each selector
 *     of an alert does: alerts are empty while nothing is wrong) - except the few listed in
 *     {@link #NO_DATA_HERE}, each with its reason;</li>
 *     <li>with the persister stopped and the backlog growing, the backlog alerts fire (the rules' own
 *     {@code for:} durations divided by {@link #CLOCK}) and Alertmanager, configured from prd's
 *     AlertmanagerConfig, delivers them to the receivers its routes name: pages to the pager and chat,
 *     tickets to chat only.</li>
 * </ol>
 * The services, postgres_exporter, Prometheus and Alertmanager run as the cluster runs them, with the labels
 * the ServiceMonitors give (namespace, service, pod, the canary's pod template hash). The test's private
 * queue names are relabelled to production's at scrape time, as if it were an environment of its own.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObservabilityIT {

    /** How much faster than production the test's clock runs: alerts' for:, Alertmanager's waits. */
    private static final double CLOCK = 60;
    private static final String NAMESPACE = "datapipe-e2e";
    private static final String CANARY = "canary0";
    private static final Path REPO = QueryFiles.REPO;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    /** How promql-metrics.mjs names an alert's query: "PrometheusRule/datapipe <group> <alert>". */
    private static final Pattern ALERT = Pattern.compile("^PrometheusRule/\\S+ \\S+ Datapipe\\w+$");
    private static final Pattern CONDITION = Pattern.compile("!isNaN\\(result\\[0]\\) && result\\[0] (>=|<=|>|<) ([0-9.]+)");

    /**
     * Queries (selectors for alerts) that legitimately return nothing here, by the start of their text,
     * each with why. Everything else must return at least one series.
     */
    private static final Map<String, String> NO_DATA_HERE = Map.of(
            "kube_", "kube-state-metrics runs in a cluster only",
            "rabbitmq_", "the broker's own metrics (its Prometheus plugin) come from dev's in-cluster broker; the test's broker "
                    + "is shared, and turning its plugin on is not a test's business",
            "rollout_info", "the Argo Rollouts controller runs in a cluster only",
            "http_server_request_duration_seconds_count{namespace=\"$namespace\", service=\"web\", http_route=~\"/data.*\", http_response_status_code=~\"5..\"}",
            "web never fails here: the test breaks the generator only");

    private static TestStack stack;
    private static TestTopology topology;
    private static TestDatabase database;
    private static ServiceProcess generator;
    private static ServiceProcess persister;
    private static ServiceProcess web;
    private static LocalPostgresExporter postgresExporter;
    private static LocalAlertmanager alertmanager;
    private static LocalPrometheus prometheus;
    private static HttpServer receiver;
    /** Steady traffic from test 1 to test 3: rates need a counter that moves while Prometheus watches. */
    private static final java.util.concurrent.ScheduledExecutorService STEADY = java.util.concurrent.Executors.newScheduledThreadPool(2);
    private static final ConcurrentLinkedQueue<JsonNode> DELIVERED = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() throws Exception {
        // Queue depths every half second (the generator's too, so the backlog is seen with the persister
        // stopped), and a caller's limit that a burst exceeds however slowly this machine answers.
        Map<String, String> queueStats = Map.of("mp.messaging.connector.datapipe-rabbitmq.queue-stats-interval-ms", "500");
        Map<String, String> generatorConfig = new HashMap<>(queueStats);
        generatorConfig.put("datapipe.ratelimit.user.capacity", "40");
        generatorConfig.put("datapipe.ratelimit.user.per-second", "1");
        stack = TestStack.start("observe", Map.of("generator", generatorConfig, "persister", queueStats));
        topology = stack.topology();
        database = stack.database();
        generator = stack.generator();
        persister = stack.persister();
        web = stack.web();

        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            ObjectNode body = (ObjectNode) JSON.readTree(exchange.getRequestBody());
            body.put("path", exchange.getRequestURI().getPath());
            DELIVERED.add(body);
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        JsonNode routing = YAML.readTree(REPO.resolve("k8s/components/alarms/alertmanagerconfig.yaml").toFile());
        ObjectNode config = AlertmanagerConfigs.render(routing, NAMESPACE, (secret, key) -> "https://example.invalid/" + secret);
        alertmanager = LocalAlertmanager.start(AlertmanagerConfigs.deliverTo(AlertmanagerConfigs.scaleTimings(config, CLOCK),
                                                                             "http://127.0.0.1:" + receiver.getAddress().getPort()));

        postgresExporter = LocalPostgresExporter.start(dataSourceName(database));
        JsonNode rule = YAML.readTree(REPO.resolve("k8s/base/monitoring/prometheusrule.yaml").toFile());
        prometheus = LocalPrometheus.start(new LocalPrometheus.Settings(
                List.of(target(generator.name(), "127.0.0.1:" + generator.port(), CANARY),
                        target(persister.name(), "127.0.0.1:" + persister.port(), null),
                        target(web.name(), "127.0.0.1:" + web.port(), CANARY),
                        target("postgres-exporter", postgresExporter.address(), null)),
                PrometheusRules.withForScaled(rule, CLOCK), Duration.ofSeconds(1), java.util.Optional.of(alertmanager.url()),
                productionNames()));
    }

    @AfterAll
    static void stop() {
        STEADY.shutdownNow();
        for (AutoCloseable c : new AutoCloseable[] {prometheus, alertmanager, postgresExporter, stack}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("stopping " + c + ": " + e);
                }
            }
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    @Order(1)
    void healthyTrafficPassesTheCanaryAnalysis() throws Exception {
        // Five POSTs and two GETs a second, from callers each within its limit: enough for the rates, gentle
        // enough that a busy machine does not exhaust web's database pool (the canary would rightly fail).
        List<String> steadyWriters = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            steadyWriters.add(TOKENS.token("steady-" + i, "data.write"));
        }
        String steadyReader = TOKENS.token("steady", "data.read");
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        STEADY.scheduleAtFixedRate(() -> HTTP.sendAsync(postRequest(steadyWriters.get(sent.getAndIncrement() % steadyWriters.size()),
                                                                    "{\"steady\":true}"), HttpResponse.BodyHandlers.discarding()),
                                   0, 200, TimeUnit.MILLISECONDS);
        STEADY.scheduleAtFixedRate(() -> HTTP.sendAsync(HttpRequest.newBuilder(web.uri("/data?limit=5"))
                                                                .header("Authorization", "Bearer " + steadyReader).GET().build(),
                                                        HttpResponse.BodyHandlers.discarding()),
                                   0, 500, TimeUnit.MILLISECONDS);
        driveTraffic();
        for (String service : List.of("generator", "web")) {
            // Up to the analysis window and more: a moment of overload on a shared machine passes out of it.
            await(service + "'s canary passes").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> {
                        Map<String, Measurement> measured = analysis(service);
                        assertThat(measured.get("success-rate").verdict()).as(measured.toString()).isEqualTo(Verdict.SUCCESSFUL);
                        // Latency here is this shared machine's, not the code's (benchmarks measure speed): it
                        // must be measured, whatever its verdict.
                        assertThat(measured.get("latency-p99").verdict()).as(measured.toString()).isNotEqualTo(Verdict.INCONCLUSIVE);
                    });
        }
    }

    @Test
    @Order(2)
    void aFailingGeneratorFailsTheCanaryAnalysis() throws Exception {
        // Nothing routes the records any more: every publish comes back unroutable and POST /data answers 503
        // (the steady traffic keeps posting).
        try (Connection connection = BROKER.connect("test-observe"); Channel channel = connection.createChannel()) {
            channel.queueUnbind(topology.queue(), topology.exchange(), topology.routingKey());
        }
        try {
            assertThat(post(TOKENS.token("carol", "data.write"), "{\"n\":1}").statusCode()).isEqualTo(503);
            await("the generator's canary fails").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(analysis("generator").get("success-rate")).extracting(Measurement::verdict)
                            .isEqualTo(Verdict.FAILED));
        } finally {
            try (Connection connection = BROKER.connect("test-observe"); Channel channel = connection.createChannel()) {
                channel.queueBind(topology.queue(), topology.exchange(), topology.routingKey());
            }
        }
        assertThat(post(TOKENS.token("carol", "data.write"), "{\"again\":true}").statusCode()).isEqualTo(202);
    }

    @Test
    @Order(3)
    void everyQueryOfTheDashboardsRulesAndAnalysisReturnsSeries() throws Exception {
        List<String> problems = new ArrayList<>();
        java.util.Set<String> excusedUsed = new java.util.HashSet<>();
        int run = 0;
        for (JsonNode query : QueryFiles.read("--queries")) {
            String where = query.path("file").asText() + ": " + query.path("where").asText();
            String expr = query.path("expr").asText();
            JsonNode result;
            try {
                result = prometheus.query(substitute(expr));
                run++;
            } catch (IllegalArgumentException refused) {
                problems.add(where + ": Prometheus refuses it: " + refused.getMessage());
                continue;
            }
            boolean excused = false;
            for (JsonNode selector : query.path("selectors")) {
                String text = selector.asText();
                if (reason(text) != null) {
                    excused = true;
                    NO_DATA_HERE.keySet().stream().filter(text::startsWith).forEach(excusedUsed::add);
                } else if (prometheus.query(substitute(text)).isEmpty()) {
                    problems.add(where + ": no series for " + text);
                }
            }
            // An alert returns nothing while all is well; its selectors are what must have data.
            boolean alert = ALERT.matcher(query.path("where").asText()).find();
            if (result.isEmpty() && !alert && !excused && problems.stream().noneMatch(p -> p.startsWith(where))) {
                problems.add(where + ": its selectors have series, yet it returns none: " + expr);
            }
        }
        assertThat(run).as("queries run").isGreaterThan(100);
        assertThat(problems).as("queries without data").isEmpty();
        assertThat(excusedUsed).as("every excuse is still needed").containsExactlyInAnyOrderElementsOf(NO_DATA_HERE.keySet());
    }

    @Test
    @Order(4)
    void aStoppedPersisterFiresTheBacklogAlertsAndAlertmanagerDeliversThem() throws Exception {
        STEADY.shutdownNow();
        persister.close();
        // More than the alert's 1000 records, from enough callers that none reaches its rate limit.
        List<CompletableFuture<HttpResponse<String>>> posts = new ArrayList<>();
        for (int user = 0; user < 40; user++) {
            String token = TOKENS.token("backlog-" + user, "data.write");
            for (int i = 0; i < 30; i++) {
                posts.add(HTTP.sendAsync(postRequest(token, "{\"n\":" + i + "}"), HttpResponse.BodyHandlers.ofString()));
                if (posts.size() % 50 == 0) {
                    CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
                }
            }
        }
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).join();
        assertThat(posts.stream().filter(p -> p.join().statusCode() == 202).count()).isEqualTo(1200);

        await("the backlog alerts fire").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> assertThat(firing().keySet()).as("firing; all: " + prometheus.alerts())
                        .contains("DatapipeNoConsumers", "DatapipeConsumerLagGrowing", "DatapipeTargetDown", "DatapipeDeadLettersPresent"));
        Map<String, JsonNode> firing = firing();
        assertThat(firing.get("DatapipeConsumerLagGrowing").path("labels").path("queue").asText()).isEqualTo("datapipe.persister");
        assertThat(firing.get("DatapipeTargetDown").path("labels").path("service").asText()).isEqualTo("persister");

        String prefix = NAMESPACE + "/datapipe/";
        await("Alertmanager delivers them").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> delivered(prefix + "pager").contains("DatapipeNoConsumers")
                        && delivered(prefix + "chat").containsAll(List.of("DatapipeNoConsumers", "DatapipeConsumerLagGrowing",
                                                                          "DatapipeDeadLettersPresent")));
        assertThat(delivered(prefix + "pager")).as("only pages page").doesNotContain("DatapipeConsumerLagGrowing", "DatapipeDeadLettersPresent");
        for (JsonNode notification : DELIVERED) {
            for (JsonNode alert : notification.path("alerts")) {
                assertThat(alert.path("labels").path("namespace").asText()).isEqualTo(NAMESPACE);
                assertThat(alert.path("labels").path("severity").asText()).isIn("page", "ticket", "info");
                assertThat(alert.path("annotations").path("runbook_url").asText()).contains("docs/runbooks.md#");
            }
        }
    }

    // --- the canary analysis ---------------------------------------------------------------------

    enum Verdict { SUCCESSFUL, FAILED, INCONCLUSIVE }

    record Measurement(double value, Verdict verdict) {
    }

    /** Each metric of the AnalysisTemplate, measured now on the service's canary pods, judged by its own conditions. */
    private static Map<String, Measurement> analysis(String service) throws IOException {
        JsonNode template = YAML.readTree(REPO.resolve("k8s/base/rollouts/analysistemplate.yaml").toFile());
        Map<String, String> args = new HashMap<>();
        for (JsonNode arg : template.at("/spec/args")) {
            args.put(arg.path("name").asText(), arg.path("value").asText(null));
        }
        args.putAll(Map.of("service", service, "namespace", NAMESPACE, "canary-hash", CANARY));
        Map<String, Measurement> verdicts = new LinkedHashMap<>();
        for (JsonNode metric : template.at("/spec/metrics")) {
            String query = metric.at("/provider/prometheus/query").asText();
            for (Map.Entry<String, String> arg : args.entrySet()) {
                query = query.replace("{{args." + arg.getKey() + "}}", String.valueOf(arg.getValue()));
            }
            JsonNode result = prometheus.query(query);
            assertThat(result).as(metric.path("name").asText() + " answers one value").hasSize(1);
            double value = Double.parseDouble(result.get(0).path("value").get(1).asText());
            boolean success = holds(metric.path("successCondition").asText(), value);
            boolean failure = holds(metric.path("failureCondition").asText(), value);
            verdicts.put(metric.path("name").asText(),
                         new Measurement(value, success ? Verdict.SUCCESSFUL : failure ? Verdict.FAILED : Verdict.INCONCLUSIVE));
        }
        return verdicts;
    }

    /** Argo Rollouts' condition, of the one form the template uses: {@code !isNaN(result[0]) && result[0] <op> <number>}. */
    private static boolean holds(String condition, double value) {
        Matcher m = CONDITION.matcher(condition.strip());
        assertThat(m.matches()).as("a condition of the form this test reads: " + condition).isTrue();
        double bound = Double.parseDouble(m.group(2));
        return !Double.isNaN(value) && switch (m.group(1)) {
            case ">=" -> value >= bound;
            case "<=" -> value <= bound;
            case ">" -> value > bound;
            default -> value < bound;
        };
    }

    // --- the queries -------------------------------------------------------------------------------

    /** Grafana's variables and the analysis' arguments, as they would be here. */
    private static String substitute(String expr) {
        return expr.replace("$namespace", NAMESPACE).replace("$pod", ".+")
                .replace("$__rate_interval", "1m").replace("${__rate_interval}", "1m")
                .replace("{{args.namespace}}", NAMESPACE).replace("{{args.service}}", "generator")
                .replace("{{args.canary-hash}}", CANARY).replace("{{args.route-regex}}", "/data.*");
    }

    private static String reason(String text) {
        return NO_DATA_HERE.entrySet().stream().filter(e -> text.startsWith(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private static void driveTraffic() throws Exception {
        String writer = TOKENS.token("alice", "data.write");
        String reader = TOKENS.token("alice", "data.read");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> accepted = post(writer, "{\"n\":" + i + "}");
            assertThat(accepted.statusCode()).isEqualTo(202);
            ids.add(JSON.readTree(accepted.body()).path("id").asText());
        }
        assertThat(post(TOKENS.token("bob", "data.write"), "[1,2]").statusCode()).isEqualTo(400);
        assertThat(HTTP.send(HttpRequest.newBuilder(generator.uri("/data")).header("Content-Type", "application/json")
                                     .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                             HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
        // One caller over its limit: the throttling panels and alert have something to show.
        String greedy = TOKENS.token("greedy", "data.write");
        List<CompletableFuture<HttpResponse<Void>>> burst = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            burst.add(HTTP.sendAsync(postRequest(greedy, "{\"n\":" + i + "}"), HttpResponse.BodyHandlers.discarding()));
        }
        assertThat(burst.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429)).as("429s").isNotEmpty();
        try (Connection connection = BROKER.connect("test-poison"); Channel channel = connection.createChannel()) {
            channel.basicPublish(topology.exchange(), topology.routingKey(), true,
                                 new AMQP.BasicProperties.Builder().deliveryMode(2).messageId("poison").build(),
                                 "not a record".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> BROKER.messageCount(topology.deadLetterQueue()) == 1);
        await().atMost(Duration.ofSeconds(30)).until(() -> get(reader, "/data/" + ids.getLast()) == 200);
        for (int i = 0; i < 10; i++) {
            assertThat(get(reader, "/data?limit=5")).isEqualTo(200);
            assertThat(get(reader, "/data/" + ids.get(i))).isEqualTo(200);
        }
    }

    private static Map<String, JsonNode> firing() {
        Map<String, JsonNode> firing = new HashMap<>();
        for (JsonNode alert : prometheus.alerts()) {
            if (alert.path("state").asText().equals("firing")) {
                firing.put(alert.path("labels").path("alertname").asText(), alert);
            }
        }
        return firing;
    }

    /** The names of the alerts Alertmanager sent to this receiver. */
    private static List<String> delivered(String receiverName) {
        List<String> names = new ArrayList<>();
        for (JsonNode notification : DELIVERED) {
            if (notification.path("receiver").asText().equals(receiverName)) {
                assertThat(notification.path("path").asText()).isEqualTo("/" + receiverName);
                notification.path("alerts").forEach(a -> names.add(a.path("labels").path("alertname").asText()));
            }
        }
        return names;
    }

    private static LocalPrometheus.Target target(String service, String address, String canaryHash) {
        Map<String, String> labels = new HashMap<>(Map.of("namespace", NAMESPACE, "service", service, "pod", service + "-0"));
        if (canaryHash != null) {
            labels.put("rollouts_pod_template_hash", canaryHash);
        }
        return new LocalPrometheus.Target(service, address, labels);
    }

    /**
     * The test's queues and database under production's names: the rules and dashboards select
     * {@code queue="datapipe.persister"}, {@code *.dlq} and {@code datname="datapipe"}.
     */
    private static ArrayNode productionNames() {
        ArrayNode relabel = JSON.createArrayNode();
        rename(relabel, "queue", topology.queue(), "datapipe.persister");
        rename(relabel, "queue", topology.deadLetterQueue(), "datapipe.persister.dlq");
        rename(relabel, "datname", database.name(), "datapipe");
        return relabel;
    }

    private static void rename(ArrayNode relabel, String label, String from, String to) {
        ObjectNode rule = relabel.addObject();
        rule.putArray("source_labels").add(label);
        rule.put("regex", from.replace(".", "\\.")).put("target_label", label).put("replacement", to);
    }

    private static String dataSourceName(TestDatabase db) {
        String hostPort = db.jdbcUrl().replaceFirst("^jdbc:postgresql://", "").replaceFirst("/.*$", "");
        String password = db.password() == null || db.password().isEmpty() ? "" : ":" + URLEncoder.encode(db.password(), StandardCharsets.UTF_8);
        return "postgresql://" + URLEncoder.encode(db.user(), StandardCharsets.UTF_8) + password + "@" + hostPort + "/" + db.name() + "?sslmode=disable";
    }

    private static HttpRequest postRequest(String token, String body) {
        return HttpRequest.newBuilder(generator.uri("/data"))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static HttpResponse<String> post(String token, String body) throws Exception {
        return HTTP.send(postRequest(token, body), HttpResponse.BodyHandlers.ofString());
    }

    private static int get(String token, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(web.uri(path)).header("Authorization", "Bearer " + token).GET().build(),
                         HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
