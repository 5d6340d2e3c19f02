package io.datapipe.security;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.datapipe.security.TokenRejectedException.Reason;
import io.datapipe.testsupport.TestTokens;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Keys from a JWKS URL rotate without a restart, and a flood of unknown key ids cannot make the service
 * hammer the identity provider: an unknown kid reloads the set at most once per refresh interval.
 */
class KeyRotationTest {

    private final AtomicReference<String> served = new AtomicReference<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private HttpServer identityProvider;

    @BeforeEach
    void startIdentityProvider() throws IOException {
        identityProvider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        identityProvider.createContext("/.well-known/jwks.json", exchange -> {
            fetches.incrementAndGet();
            byte[] body = served.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        identityProvider.start();
    }

    @AfterEach
    void stopIdentityProvider() {
        identityProvider.stop(0);
    }

    @Test
    void picksUpARotatedKeyAndRateLimitsRefreshes() throws Exception {
        TestTokens first = TestTokens.get();
        TestTokens rotated = TestTokens.stranger();
        served.set(Files.readString(first.jwksFile()));
        TokenVerifier verifier = new TokenVerifier(settings(Duration.ofMillis(500)));
        assertThat(fetches.get()).as("keys fetched at start").isEqualTo(1);
        assertThat(verifier.verify(first.token("alice", "data.read")).subject()).isEqualTo("alice");

        // A flood of tokens with unknown key ids: one reload, not one per token.
        for (int i = 0; i < 50; i++) {
            String forged = rotated.sign(rotated.builder("mallory", "data.read").keyId("made-up-" + i));
            assertThatThrownBy(() -> verifier.verify(forged))
                    .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY));
        }
        assertThat(fetches.get()).as("fetches after 50 unknown kids: at most one reload in the interval").isBetween(1, 2);

        // The identity provider rotates to a new key; once the interval has passed, its tokens verify.
        served.set(Files.readString(rotated.jwksFile()));
        String afterRotation = rotated.token("alice", "data.read");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> accepted(verifier, afterRotation));
        assertThat(fetches.get()).isLessThanOrEqualTo(4);
    }

    @Test
    void keepsTheKeysItHasWhenTheProviderFails() throws Exception {
        TestTokens keys = TestTokens.get();
        served.set(Files.readString(keys.jwksFile()));
        TokenVerifier verifier = new TokenVerifier(settings(Duration.ofMillis(1)));
        served.set("not json");

        assertThatThrownBy(() -> verifier.verify(TestTokens.stranger().token("alice")))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_KEY));
        assertThat(verifier.verify(keys.token("alice", "data.read")).subject()).isEqualTo("alice");
    }

    @Test
    void answersUnavailableUntilTheProviderCanBeReached() {
        identityProvider.stop(0);
        TokenVerifier verifier = new TokenVerifier(settings(Duration.ofSeconds(60)));

        assertThatThrownBy(() -> verifier.verify(TestTokens.get().token("alice", "data.read")))
                .isInstanceOfSatisfying(TokenRejectedException.class,
                                        e -> assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE));
    }

    private static boolean accepted(TokenVerifier verifier, String token) {
        try {
            return verifier.verify(token) != null;
        } catch (TokenRejectedException e) {
            return false;
        }
    }

    private JwtSettings settings(Duration refreshInterval) {
        URI jwks = URI.create("http://127.0.0.1:" + identityProvider.getAddress().getPort() + "/.well-known/jwks.json");
        return new JwtSettings(Optional.empty(), Optional.of(jwks), Optional.empty(),
                               Optional.of(TestTokens.ISSUER), Set.of(TestTokens.AUDIENCE), Set.of("RS256"),
                               Duration.ofSeconds(30), 8192, refreshInterval, Duration.ofSeconds(2),
                               List.of("Role", "groups"));
    }
}
