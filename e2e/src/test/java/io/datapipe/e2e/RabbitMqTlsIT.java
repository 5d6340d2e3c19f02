package io.datapipe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import io.datapipe.testsupport.RabbitMqNode;
import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestCertificates;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestTokens;
import io.datapipe.topology.TopologyDefinition;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AMQPS as stg and prd run it (Amazon MQ on 5671): a RabbitMQ node of the test's own with a TLS listener whose
 * certificate a CA made at test time signed, for the host name {@code localhost} only. The generator and the
 * persister connect with {@code tls=true}, verify the certificate against that CA and the host name, and the
 * pipeline works over it; a broker certificate from another CA, or a host name the certificate does not name,
 * is refused with an error that says so, and nothing is accepted.
 */
class RabbitMqTlsIT {

    private static final TestTokens TOKENS = TestTokens.get();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String TRUST_PASSWORD = "test-trust";

    private static Path directory;
    private static RabbitMqNode node;
    private static TestDatabase database;
    private static Path trustStore;
    private static Path otherTrustStore;

    @BeforeAll
    static void startTlsBroker() throws Exception {
        assumeThat(RabbitMqNode.unavailable()).as("a RabbitMQ node of the test's own can be started").isNull();
        assumeThat(TestCertificates.unavailable()).as("test certificates can be made").isNull();
        directory = Files.createTempDirectory("datapipe-amqps");
        TestCertificates.Authority ca = TestCertificates.authority(directory, "datapipe-test-ca");
        trustStore = ca.trustStore(TRUST_PASSWORD);
        otherTrustStore = TestCertificates.authority(directory, "someone-else-ca").trustStore(TRUST_PASSWORD);
        node = RabbitMqNode.configure("amqps").tls(ca.issue("broker", "DNS:localhost")).start();
        node.declare(TopologyDefinition.bundled());
        database = TestPostgres.get().createDatabase("amqps");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (database != null) {
            database.close();
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
            }
        }
    }

    /** The services' broker settings for AMQPS to this node, as the tls-in-transit component sets them. */
    private static Map<String, String> amqps(String host, Path trust) {
        Map<String, String> config = new HashMap<>();
        config.put("datapipe.rabbitmq.host", host);
        config.put("datapipe.rabbitmq.port", Integer.toString(node.amqpsPort()));
        config.put("datapipe.rabbitmq.tls", "true");
        config.put("datapipe.rabbitmq.username", node.adminUser());
        config.put("datapipe.rabbitmq.password", node.adminPassword());
        config.put("datapipe.rabbitmq.virtual-host", "/");
        config.put("mp.messaging.connector.datapipe-rabbitmq.tls-trust-store", trust.toString());
        config.put("mp.messaging.connector.datapipe-rabbitmq.tls-trust-store-password", TRUST_PASSWORD);
        config.putAll(TOKENS.serviceConfig());
        return config;
    }

    @Test
    void thePipelineRunsOverVerifiedAmqps() throws Exception {
        Map<String, String> persisterConfig = new HashMap<>(amqps("localhost", trustStore));
        persisterConfig.putAll(database.serviceConfig());
        try (ServiceProcess persister = ServiceProcess.start("persister", persisterConfig);
             ServiceProcess generator = ServiceProcess.start("generator", amqps("localhost", trustStore))) {
            persister.awaitReady();
            generator.awaitReady();

            HttpResponse<String> accepted = post(generator);
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String id = accepted.body().replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1");
            await("the record stored").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> stored(id));

            // Every connection the node has is over TLS: the services', which are all there is.
            String connections = node.rabbitmqctl("list_connections", "--quiet", "--no-table-headers", "client_properties", "ssl", "ssl_protocol");
            List<String> lines = connections.lines().filter(line -> !line.isBlank()).toList();
            assertThat(lines).as(connections).hasSizeGreaterThanOrEqualTo(2)
                    .allSatisfy(line -> assertThat(line).contains("\ttrue\ttlsv1."));
        }
    }

    @Test
    void aBrokerCertificateFromAnotherCaIsRefused() throws Exception {
        try (ServiceProcess generator = ServiceProcess.start("generator", amqps("localhost", otherTrustStore))) {
            assertRefused(generator, "PKIX path building failed");
        }
    }

    @Test
    void aHostNameTheCertificateDoesNotNameIsRefused() throws Exception {
        // The certificate names localhost; 127.0.0.1 is the same listener under a name it does not carry.
        try (ServiceProcess generator = ServiceProcess.start("generator", amqps("127.0.0.1", trustStore))) {
            assertRefused(generator, "127.0.0.1");
        }
    }

    /** The service runs but is not ready, says why in its log and its readiness, and accepts nothing. */
    private static void assertRefused(ServiceProcess generator, String reason) throws Exception {
        await("the refusal logged").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> Files.readString(generator.log()).contains("TLS handshake refused"));
        String log = Files.readString(generator.log());
        assertThat(log).contains("TLS handshake refused").contains(reason).contains("amqps://");
        assertThat(generator.statusOf("/health/ready")).isEqualTo(503);
        HttpResponse<String> ready = HTTP.send(HttpRequest.newBuilder(generator.uri("/health/ready")).GET().build(),
                                               HttpResponse.BodyHandlers.ofString());
        assertThat(ready.body()).contains("TLS handshake refused");
        HttpResponse<String> refused = post(generator);
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    }

    private static HttpResponse<String> post(ServiceProcess generator) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(generator.uri("/data"))
                                 .header("Authorization", "Bearer " + TOKENS.token("alice", "data.write"))
                                 .header("Content-Type", "application/json")
                                 .POST(HttpRequest.BodyPublishers.ofString("{\"informationOne\":\"over-tls\"}"))
                                 .build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private static boolean stored(String id) throws Exception {
        try (Connection connection = database.connect();
             ResultSet row = connection.createStatement().executeQuery("SELECT count(*) FROM data_record WHERE id = '" + id + "'")) {
            return row.next() && row.getInt(1) == 1;
        }
    }
}
