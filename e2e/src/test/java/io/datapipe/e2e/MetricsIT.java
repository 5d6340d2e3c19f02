package io.datapipe.e2e;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestRabbitMq;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.testsupport.TestTopology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The metrics the services actually export, after real traffic (accepted, rejected and dead-lettered
 * records): the documented ones are there and moved, the list the deployment checks use
 * ({@code k8s/tests/exported-metrics.txt}) is current, and every metric a dashboard, an alert rule or
 * the canary analysis queries is exported by a service or by a named exporter.
 */
class MetricsIT {

    private static final TestRabbitMq BROKER = TestRabbitMq.get();
    private static final TestTokens TOKENS = TestTokens.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static TestStack stack;
    private static TestTopology topology;
    private static ServiceProcess generator;
    private static ServiceProcess persister;
    private static ServiceProcess web;
    private static Map<String, String> scrapes;

    @BeforeAll
    static void startAndDriveTraffic() throws Exception {
        stack = TestStack.start("metrics", Map.of("persister", Map.of("mp.messaging.incoming.records.queue-stats-interval-ms", "500")));
        topology = stack.topology();
        generator = stack.generator();
        persister = stack.persister();
        web = stack.web();

        String writer = TOKENS.token("alice", "data.write");
        for (int i = 0; i < 3; i++) {
            assertThat(post(writer, "{\"n\":" + i + "}").statusCode()).isEqualTo(202);
        }
        assertThat(post(writer, "[1,2]").statusCode()).isEqualTo(400);
        assertThat(HTTP.send(HttpRequest.newBuilder(web.uri("/data"))
                                     .header("Authorization", "Bearer " + TOKENS.token("alice", "data.read")).GET().build(),
                             HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        try (Connection connection = BROKER.connect("test-poison"); Channel channel = connection.createChannel()) {
            channel.basicPublish(topology.exchange(), topology.routingKey(), true,
                                 new AMQP.BasicProperties.Builder().deliveryMode(2).messageId("poison").build(),
                                 "not a record".getBytes(StandardCharsets.UTF_8));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> persister.metric("datapipe_persister_records_stored_total", "").orElse(-1) >= 3
                        && BROKER.messageCount(topology.deadLetterQueue()) == 1);
        // Let the persister's queue statistics see the dead-lettered message.
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape(persister).contains(
                "datapipe_rabbitmq_queue_messages{mp_scope=\"application\",queue=\"" + topology.deadLetterQueue() + "\",} 1.0"));
        scrapes = Map.of("generator", scrape(generator), "persister", scrape(persister), "web", scrape(web));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theDocumentedMetricsAreExportedAndMoved() {
        String gen = scrapes.get("generator");
        String per = scrapes.get("persister");
        String webs = scrapes.get("web");
        assertThat(value(gen, "datapipe_records_accepted_total")).isEqualTo(3);
        assertThat(value(gen, "datapipe_records_rejected_total{mp_scope=\"application\",reason=\"not_an_object\",}")).isEqualTo(1);
        assertThat(value(gen, "datapipe_publish_confirm_duration_seconds_count")).isEqualTo(3);
        assertThat(value(gen, "datapipe_rabbitmq_published_total{channel=\"records\",mp_scope=\"application\",outcome=\"confirmed\",}"))
                .isEqualTo(3);
        assertThat(value(gen, "datapipe_rabbitmq_connection_up{channel=\"records\",direction=\"outgoing\",mp_scope=\"application\",}"))
                .isEqualTo(1);
        assertThat(value(gen, "http_server_request_duration_seconds_count{http_request_method=\"POST\","
                + "http_response_status_code=\"202\",http_route=\"/data\",mp_scope=\"application\",}")).isEqualTo(3);
        assertThat(value(gen, "http_server_request_duration_seconds_count{http_request_method=\"POST\","
                + "http_response_status_code=\"400\",http_route=\"/data\",mp_scope=\"application\",}")).isEqualTo(1);
        assertThat(gen).contains("http_server_request_duration_seconds_bucket{");

        assertThat(value(per, "datapipe_persister_records_stored_total")).isEqualTo(3);
        assertThat(value(per, "datapipe_persister_end_to_end_lag_seconds_count")).isEqualTo(3);
        assertThat(value(per, "datapipe_persister_batch_size_count")).isGreaterThanOrEqualTo(1);
        assertThat(value(per, "datapipe_persister_db_write_duration_seconds_count")).isGreaterThanOrEqualTo(1);
        assertThat(value(per, "datapipe_rabbitmq_deliveries_total")).isEqualTo(4);
        assertThat(value(per, "datapipe_rabbitmq_settled_total{channel=\"records\",mp_scope=\"application\",outcome=\"ack\",}"))
                .isEqualTo(3);
        assertThat(value(per, "datapipe_rabbitmq_settled_total{channel=\"records\",mp_scope=\"application\",outcome=\"dead_letter\",}"))
                .isEqualTo(1);
        assertThat(value(per, "datapipe_rabbitmq_queue_consumers{mp_scope=\"application\",queue=\"" + topology.queue() + "\",}"))
                .isEqualTo(1);
        assertThat(value(per, "datapipe_db_up")).isEqualTo(1);
        assertThat(per).contains("hikaricp_connections_active{").contains("memory_usedHeap_bytes");

        assertThat(value(webs, "http_server_request_duration_seconds_count{http_request_method=\"GET\","
                + "http_response_status_code=\"200\",http_route=\"/data\",mp_scope=\"application\",}")).isEqualTo(1);
        assertThat(value(webs, "datapipe_db_up")).isEqualTo(1);
    }

    @Test
    void theListOfExportedMetricsTheDeploymentChecksUseIsCurrent() throws Exception {
        Set<String> exported = exported();
        Set<String> ours = exported.stream()
                .filter(name -> name.startsWith("datapipe_") || name.startsWith("http_server_"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> listed = listed();
        Set<String> listedOurs = listed.stream()
                .filter(name -> name.startsWith("datapipe_") || name.startsWith("http_server_"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> notExported = new TreeSet<>(listed);
        notExported.removeAll(exported);
        assertThat(notExported).as("names in k8s/tests/exported-metrics.txt that no service exports").isEmpty();
        Set<String> unlisted = new TreeSet<>(ours);
        unlisted.removeAll(listedOurs);
        assertThat(unlisted).as("datapipe metrics missing from k8s/tests/exported-metrics.txt (add them)").isEmpty();
    }

    @Test
    void dashboardsAlertsAndTheCanaryQueryOnlyExportedMetrics() throws Exception {
        Set<String> known = new TreeSet<>(exported());
        try (Stream<Path> files = Files.list(REPO.resolve("k8s/tests/exporter-metrics"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                known.addAll(names(file));
            }
        }
        JsonNode queried = QueryFiles.read();
        assertThat(queried.size()).as("files read").isEqualTo(QueryFiles.files().size());
        queried.fields().forEachRemaining(file -> {
            for (JsonNode name : file.getValue()) {
                String metric = name.asText();
                if (!metric.contains(":")) {
                    // Names with a colon are recording rules, defined next to the alerts.
                    assertThat(known).as(file.getKey() + " queries " + metric).contains(metric);
                }
            }
        });
    }

    private static Set<String> exported() {
        Set<String> names = new TreeSet<>();
        for (String body : scrapes.values()) {
            for (String line : body.split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    int end = line.indexOf('{') > 0 ? line.indexOf('{') : line.indexOf(' ');
                    names.add(line.substring(0, end));
                }
            }
        }
        return names;
    }

    private static Set<String> listed() throws IOException {
        return names(REPO.resolve("k8s/tests/exported-metrics.txt"));
    }

    private static Set<String> names(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static double value(String body, String series) {
        for (String line : body.split("\n")) {
            if (line.startsWith(series + " ") || (!series.contains("{") && line.startsWith(series + "{"))) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no series " + series);
    }

    private static HttpResponse<String> post(String token, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(generator.uri("/data"))
                                 .header("Authorization", "Bearer " + token)
                                 .header("Content-Type", "application/json")
                                 .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private static String scrape(ServiceProcess service) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(service.uri("/metrics")).GET().build(),
                         HttpResponse.BodyHandlers.ofString()).body();
    }
}
