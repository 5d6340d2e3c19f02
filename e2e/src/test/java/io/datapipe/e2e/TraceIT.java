package io.datapipe.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One record is one trace: the services run with the OpenTelemetry Java agent of the images, exporting
 * spans as OTLP JSON into their logs, and the test follows the parent links from the generator's HTTP
 * server span to the persister's database insert. The records of a batch share their request's trace,
 * each with its own publish and consume.
 */
class TraceIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> OTEL = Map.of(
            "OTEL_TRACES_EXPORTER", "logging-otlp",
            "OTEL_METRICS_EXPORTER", "none",
            "OTEL_LOGS_EXPORTER", "none",
            "OTEL_BSP_SCHEDULE_DELAY", "100");
    private static TestTopology topology;
    private static TestDatabase database;
    private static ServiceProcess generator;
    private static ServiceProcess persister;

    /** A span as the OTLP JSON exporter writes it; each attribute's value as text. */
    record Span(String service, String scope, String name, int kind, String traceId, String spanId, String parentSpanId,
                Map<String, String> attributes) {
    }

    @BeforeAll
    static void start() throws Exception {
        topology = BROKER.topology("trace");
        database = TestPostgres.get().createDatabase("trace");
        Map<String, String> persisterConfig = new HashMap<>(TestConfig.messaging(BROKER, topology));
        persisterConfig.putAll(database.serviceConfig());
        persisterConfig.putAll(TOKENS.serviceConfig());
        Map<String, String> generatorConfig = new HashMap<>(TestConfig.messaging(BROKER, topology));
        generatorConfig.putAll(TOKENS.serviceConfig());
        persister = ServiceProcess.launch("persister").config(persisterConfig).withAgent().environment(env("datapipe-persister")).start();
        generator = ServiceProcess.launch("generator").config(generatorConfig).withAgent().environment(env("datapipe-generator")).start();
        persister.awaitReady();
        generator.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        for (ServiceProcess service : new ServiceProcess[] {generator, persister}) {
            if (service != null) {
                service.close();
            }
        }
        topology.close();
        database.close();
    }

    @Test
    void followsOneRecordFromTheHttpRequestToTheDatabaseInsertInOneTrace() throws Exception {
        assertThat(post(HttpRequest.newBuilder(generator.uri("/data")), "{\"traced\":true}").statusCode()).isEqualTo(202);

        // Generator: the HTTP server span, and the publish as its child.
        Span server = await().atMost(Duration.ofSeconds(20))
                .until(() -> find(generator, s -> s.kind() == 2 && s.name().equals("POST /data")), Optional::isPresent).get();
        String trace = server.traceId();
        assertThat(server.attributes()).as("the server span's HTTP attributes")
                .containsEntry("http.method", "POST").containsEntry("http.route", "/data").containsEntry("http.target", "/data")
                .containsEntry("http.scheme", "http").containsEntry("net.host.name", "127.0.0.1")
                .containsEntry("net.host.port", Integer.toString(generator.uri("/").getPort()));
        Span publish = await().atMost(Duration.ofSeconds(20))
                .until(() -> find(generator, s -> s.kind() == 4 && s.traceId().equals(trace)), Optional::isPresent).get();
        assertThat(publish.parentSpanId()).isEqualTo(server.spanId());
        assertThat(publish.name()).contains("publish");

        // Persister: the consume, the batch, and the insert, all in the same trace.
        Span consume = await().atMost(Duration.ofSeconds(20))
                .until(() -> find(persister, s -> s.kind() == 5 && s.traceId().equals(trace)), Optional::isPresent).get();
        assertThat(consume.parentSpanId()).as("consume is a child of the publish").isEqualTo(publish.spanId());
        Span batch = await().atMost(Duration.ofSeconds(20))
                .until(() -> find(persister, s -> s.name().equals("records store") && s.traceId().equals(trace)),
                       Optional::isPresent).get();
        assertThat(batch.parentSpanId()).as("the batch is a child of the consume").isEqualTo(consume.spanId());
        Span insert = await().atMost(Duration.ofSeconds(20))
                .until(() -> find(persister, s -> s.kind() == 3 && s.traceId().equals(trace) && s.name().startsWith("INSERT")),
                       Optional::isPresent).get();
        assertThat(ancestors(insert, spans(persister))).as("the insert descends from the batch").contains(batch.spanId());
    }

    @Test
    void tracesEachRecordOfABatchWithinItsRequestsTrace() throws Exception {
        HttpRequest.Builder batch = HttpRequest.newBuilder(generator.uri("/data/batch"))
                .header("Idempotency-Key", "traced-batch-" + java.util.UUID.randomUUID());
        assertThat(post(batch, "[{\"traced\":1},{\"traced\":2}]").statusCode()).isEqualTo(202);

        // One publish per record, each a child of the request's span; each record consumed from its own publish.
        Span server = await().atMost(Duration.ofSeconds(20))
                .until(() -> find(generator, s -> s.kind() == 2 && s.name().equals("POST /data/batch")), Optional::isPresent).get();
        List<Span> publishes = await().atMost(Duration.ofSeconds(20))
                .until(() -> spans(generator).stream().filter(s -> s.kind() == 4 && s.traceId().equals(server.traceId())).toList(),
                       found -> found.size() == 2);
        assertThat(publishes).allSatisfy(p -> assertThat(p.parentSpanId()).isEqualTo(server.spanId()));
        List<Span> consumes = await().atMost(Duration.ofSeconds(20))
                .until(() -> spans(persister).stream().filter(s -> s.kind() == 5 && s.traceId().equals(server.traceId())).toList(),
                       found -> found.size() == 2);
        assertThat(consumes).extracting(Span::parentSpanId)
                .containsExactlyInAnyOrderElementsOf(publishes.stream().map(Span::spanId).toList());
    }

    private static HttpResponse<String> post(HttpRequest.Builder request, String body) throws Exception {
        return HttpClient.newHttpClient().send(request.header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                                                       .header("Content-Type", "application/json")
                                                       .POST(HttpRequest.BodyPublishers.ofString(body))
                                                       .build(),
                                               HttpResponse.BodyHandlers.ofString());
    }

    private static Map<String, String> env(String service) {
        Map<String, String> env = new HashMap<>(OTEL);
        env.put("OTEL_SERVICE_NAME", service);
        return env;
    }

    private static Optional<Span> find(ServiceProcess service, java.util.function.Predicate<Span> match) throws Exception {
        return spans(service).stream().filter(match).findFirst();
    }

    private static List<String> ancestors(Span span, List<Span> all) {
        List<String> chain = new ArrayList<>();
        String parent = span.parentSpanId();
        while (parent != null && !parent.isEmpty()) {
            chain.add(parent);
            String id = parent;
            parent = all.stream().filter(s -> s.spanId().equals(id)).map(Span::parentSpanId).findFirst().orElse(null);
        }
        return chain;
    }

    /** Every span the service's agent has exported so far, from the OTLP JSON lines it writes to standard error. */
    private static List<Span> spans(ServiceProcess service) throws Exception {
        List<Span> spans = new ArrayList<>();
        String output = Files.readString(service.agentLog());
        // Up to the last line break: a line still being written is read next time.
        for (String line : output.substring(0, output.lastIndexOf('\n') + 1).split("\n")) {
            int json = line.indexOf("OtlpJsonLoggingSpanExporter - {");
            if (json < 0) {
                continue;
            }
            JsonNode scopeSpans = JSON.readTree(line.substring(line.indexOf('{', json))).path("scopeSpans");
            for (JsonNode scope : scopeSpans) {
                for (JsonNode span : scope.path("spans")) {
                    Map<String, String> attributes = new HashMap<>();
                    for (JsonNode attribute : span.path("attributes")) {
                        // {"stringValue": "..."}, {"intValue": "8081"}, ...; an empty value as {}
                        JsonNode value = attribute.path("value");
                        attributes.put(attribute.path("key").asText(), value.isEmpty() ? "" : value.elements().next().asText());
                    }
                    spans.add(new Span(service.toString(), scope.path("scope").path("name").asText(),
                                       span.path("name").asText(), span.path("kind").asInt(), span.path("traceId").asText(),
                                       span.path("spanId").asText(), span.path("parentSpanId").asText(null), attributes));
                }
            }
        }
        return spans;
    }
}
