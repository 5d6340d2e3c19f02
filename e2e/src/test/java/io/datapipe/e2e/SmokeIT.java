package io.datapipe.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.ServiceProcess;
import io.datapipe.testsupport.TestTokens;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The post-deployment smoke test ({@code .github/scripts/smoke.sh}, run by smoke.yml after a deployment)
 * against a running stack, behind one URL as the gateway's HTTPRoute gives it (POST /data to the
 * generator, every other request to web): it passes; it fails when the stack runs another version than
 * the one expected, and when web answers 500.
 */
class SmokeIT {

    private static final TestTokens TOKENS = TestTokens.get();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestStack stack;
    private static ServiceProcess generator;
    private static ServiceProcess web;
    private static HttpServer gateway;
    private static volatile boolean webFails;

    record Run(int exitCode, String output) {
    }

    @BeforeAll
    static void start() throws Exception {
        stack = TestStack.start("smoke", Map.of());
        generator = stack.generator();
        web = stack.web();
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext("/", SmokeIT::route);
        gateway.start();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) {
            gateway.stop(0);
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void passesAgainstAHealthyStackOfTheExpectedVersion() throws Exception {
        Run run = smoke(Map.of("SMOKE_EXPECTED_VERSION", reportedVersion()));
        assertThat(run.exitCode()).as(run.output()).isZero();
        assertThat(run.output()).contains("GET /openapi -> version", "POST /data -> 202", "persisted", "lists the record",
                                          "without a token -> 401", "smoke test passed");
    }

    @Test
    void failsAgainstAnotherVersion() throws Exception {
        Run run = smoke(Map.of("SMOKE_EXPECTED_VERSION", "0.0.0-not-deployed"));
        assertThat(run.exitCode()).as(run.output()).isNotZero();
        assertThat(run.output()).contains("::error::").contains("not 0.0.0-not-deployed").doesNotContain("POST /data -> 202");
    }

    @Test
    void failsWhenWebAnswers500() throws Exception {
        webFails = true;
        try {
            Run run = smoke(Map.of());
            assertThat(run.exitCode()).as(run.output()).isNotZero();
            assertThat(run.output()).contains("POST /data -> 202").contains("::error::GET /data/").contains("answered 500");
        } finally {
            webFails = false;
        }
    }

    private static String reportedVersion() throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(web.uri("/openapi")).header("Accept", "application/json").build(),
                                HttpResponse.BodyHandlers.ofString()).body();
        return new ObjectMapper().readTree(body).path("info").path("version").asText();
    }

    private static Run smoke(Map<String, String> environment) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", QueryFiles.REPO.resolve(".github/scripts/smoke.sh").toString())
                .redirectErrorStream(true);
        builder.environment().putAll(Map.of("DATAPIPE_URL", "http://127.0.0.1:" + gateway.getAddress().getPort(),
                                            "SMOKE_TOKEN", TOKENS.token("smoke", "data.read", "data.write"),
                                            "SMOKE_WAIT_SECONDS", "0"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("smoke.sh finishes").isTrue();
        return new Run(process.exitValue(), output);
    }

    /** What the HTTPRoute does: POST /data to the generator, everything else to web; web's answers 500 while it fails. */
    private static void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            boolean toGenerator = method.equals("POST") && path.startsWith("/data");
            if (!toGenerator && webFails && path.startsWith("/data/")) {
                exchange.sendResponseHeaders(500, -1);
                return;
            }
            URI target = (toGenerator ? generator : web).uri(path + (query == null ? "" : "?" + query));
            HttpRequest.Builder request = HttpRequest.newBuilder(target);
            for (String header : List.of("Authorization", "Content-Type", "Accept")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    request.header(header, value);
                }
            }
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            request.method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            HttpResponse<byte[]> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().firstValue("Content-Type").ifPresent(v -> exchange.getResponseHeaders().add("Content-Type", v));
            response.headers().firstValue("Location").ifPresent(v -> exchange.getResponseHeaders().add("Location", v));
            exchange.sendResponseHeaders(response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
            exchange.getResponseBody().write(response.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
