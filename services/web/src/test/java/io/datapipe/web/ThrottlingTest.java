package io.datapipe.web;

import java.time.Duration;
import java.util.Map;

import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestTokens;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import jakarta.inject.Inject;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Per-caller and global token buckets: a burst over the limit gets 429s, others go on, the limit recovers. */
@HelidonTest
@Configuration(useExisting = true)
class ThrottlingTest {

    private static final TestTokens TOKENS = TestTokens.get();
    private static TestDatabase database;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        database = WebUnderTest.configure("throttling", Map.of("datapipe.ratelimit.user.capacity", "5",
                                                               "datapipe.ratelimit.user.per-second", "2",
                                                               "datapipe.ratelimit.global.capacity", "8",
                                                               "datapipe.ratelimit.global.per-second", "2"));
    }

    @AfterAll
    static void cleanUp() {
        WebUnderTest.release(database);
    }

    @Test
    void aBurstOverTheLimitIsRefusedOthersGoOnAndTheLimitRecovers() {
        await().atMost(Duration.ofSeconds(30)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        String alice = TOKENS.token("alice", "data.read");

        int accepted = 0;
        Response refused = null;
        for (int i = 0; i < 8 && refused == null; i++) {
            Response response = get(alice);
            if (response.getStatus() == 200) {
                accepted++;
                assertThat(response.getHeaderString("RateLimit-Limit")).isEqualTo("5");
                assertThat(response.getHeaderString("RateLimit-Remaining")).isNotNull();
            } else {
                refused = response;
            }
        }
        assertThat(accepted).as("the burst allowance").isBetween(5, 6);
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus()).isEqualTo(429);
        assertThat(refused.getMediaType().toString()).isEqualTo("application/problem+json");
        assertThat(Long.parseLong(refused.getHeaderString("Retry-After"))).isBetween(1L, 5L);
        assertThat(refused.getHeaderString("RateLimit-Remaining")).isEqualTo("0");

        // Another caller has a bucket of its own.
        assertThat(get(TOKENS.token("bob", "data.read")).getStatus()).isEqualTo(200);

        // The caller's bucket refills.
        await().atMost(Duration.ofSeconds(5)).until(() -> get(alice).getStatus() == 200);
    }

    @Test
    void theServiceWideLimitHoldsWhateverTheCallers() {
        await().atMost(Duration.ofSeconds(30)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        // Drain the global bucket with many callers, each well within their own limit.
        Response last = null;
        for (int i = 0; i < 20; i++) {
            last = get(TOKENS.token("caller-" + i, "data.read"));
            if (last.getStatus() == 429) {
                break;
            }
        }
        assertThat(last.getStatus()).isEqualTo(429);
        assertThat(last.readEntity(String.class)).contains("request limit");
        await().atMost(Duration.ofSeconds(5)).until(() -> get(TOKENS.token("carol", "data.read")).getStatus() == 200);
    }

    private Response get(String token) {
        return target.path("/data").request().header("Authorization", "Bearer " + token).get();
    }
}
