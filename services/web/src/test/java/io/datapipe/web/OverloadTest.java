package io.datapipe.web;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestTokens;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The bound on API requests in progress ({@code datapipe.http.max-concurrent-requests}, here 2): with two
 * {@code GET /data} held by the database (the table locked), a third is refused at once with a problem+json 503
 * and {@code Retry-After}, counted in the request metric; the liveness probe and the scrape still answer; once the
 * two are answered, requests are admitted again.
 */
@HelidonTest
@Configuration(useExisting = true)
class OverloadTest {

    private static final TestTokens TOKENS = TestTokens.get();
    private static TestDatabase database;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        database = WebUnderTest.configure("overload", Map.of("datapipe.ratelimit.enabled", "false",
                                                             "datapipe.http.max-concurrent-requests", "2"));
    }

    @AfterAll
    static void cleanUp() {
        WebUnderTest.release(database);
    }

    @Test
    void requestsOverTheBoundAreRefusedWithA503WhileTheProbesStillAnswer() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        String token = TOKENS.token("alice", "data.read");

        try (Connection lock = database.connect()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                statement.execute("LOCK TABLE data_record IN ACCESS EXCLUSIVE MODE");
            }
            List<Future<Response>> held = List.of(data(token).async().get(), data(token).async().get());
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> waitingForTheLock() == 2);

            // Not held (a bound that admitted it would leave it waiting for the lock): answered within the deadline.
            Response refused = data(token).async().get().get(20, TimeUnit.SECONDS);
            assertThat(refused.getStatus()).isEqualTo(503);
            assertThat(refused.getMediaType().toString()).isEqualTo("application/problem+json");
            assertThat(refused.getHeaderString("Retry-After")).isEqualTo("1");
            assertThat(refused.readEntity(String.class)).contains("already 2 requests in progress");
            assertThat(target.path("/health/live").request().get().getStatus()).as("liveness while the bound is full").isEqualTo(200);
            assertThat(target.path("/metrics").request().get(String.class))
                    .contains("http_server_request_duration_seconds_count{http_request_method=\"GET\","
                              + "http_response_status_code=\"503\",http_route=\"/data\",mp_scope=\"application\",}");

            lock.rollback();
            for (Future<Response> answer : held) {
                assertThat(answer.get(20, TimeUnit.SECONDS).getStatus()).as("a held request once the lock is gone").isEqualTo(200);
            }
        }
        assertThat(data(token).get().getStatus()).as("once the held requests are answered").isEqualTo(200);
    }

    private Invocation.Builder data(String token) {
        return target.path("/data").request().header("Authorization", "Bearer " + token);
    }

    /** @return the sessions of this test's database waiting for a lock: the held requests' queries */
    private static long waitingForTheLock() throws Exception {
        try (Connection connection = database.connect(); Statement statement = connection.createStatement();
             ResultSet result = statement.executeQuery("SELECT count(*) FROM pg_stat_activity "
                                                       + "WHERE datname = current_database() AND wait_event_type = 'Lock'")) {
            result.next();
            return result.getLong(1);
        }
    }
}
