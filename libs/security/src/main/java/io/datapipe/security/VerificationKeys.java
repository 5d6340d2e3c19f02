package io.datapipe.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;

import io.datapipe.security.TokenRejectedException.Reason;
import io.helidon.security.jwt.jwk.Jwk;
import io.helidon.security.jwt.jwk.JwkKeys;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;

import static java.lang.System.Logger.Level.INFO;
import static java.lang.System.Logger.Level.WARNING;

/**
 * The keys tokens are verified with: a JWKS from a file or a URL, and an HS256 secret when configured.
 *
 * <p>Keys rotate: a token signed with a key id not in the current set makes the set reload, but at
 * most once per {@code jwks.refresh-min-interval-seconds}, so a flood of tokens with made-up key ids
 * costs one fetch a minute, not one per request.
 */
final class VerificationKeys {

    private static final System.Logger LOGGER = System.getLogger(VerificationKeys.class.getName());

    private final JwtSettings settings;
    private final Optional<Jwk> secret;
    private final HttpClient http;
    private final ReentrantLock reloadLock = new ReentrantLock();
    private volatile JwkKeys keys = JwkKeys.builder().build();
    private volatile boolean loaded;
    private volatile long lastAttemptNanos;

    VerificationKeys(JwtSettings settings) {
        this.settings = settings;
        this.secret = settings.hs256Secret().map(VerificationKeys::secretKey);
        this.http = settings.jwksUri().isPresent()
                ? HttpClient.newBuilder().connectTimeout(settings.jwksTimeout()).build()
                : null;
        if (settings.jwksPath().isPresent() || settings.jwksUri().isPresent()) {
            lastAttemptNanos = System.nanoTime();
            try {
                load();
            } catch (IOException | RuntimeException e) {
                if (settings.jwksPath().isPresent()) {
                    throw new IllegalStateException("cannot read the JWKS " + settings.jwksPath().get() + ": " + e.getMessage(), e);
                }
                LOGGER.log(WARNING, () -> "cannot fetch the JWKS " + settings.jwksUri().get() + " yet: " + e
                        + "; tokens are refused with 503 until it answers");
            }
        }
    }

    /**
     * The key to verify a token signed with {@code algorithm} and key id {@code kid}.
     *
     * @param kid       the token's key id, may be {@code null}
     * @param algorithm the token's algorithm, already checked against the allow-list
     * @return the key, or empty when no key matches
     * @throws TokenRejectedException with {@link Reason#KEYS_UNAVAILABLE} when no key set could ever be loaded
     */
    Optional<Jwk> find(String kid, String algorithm) throws TokenRejectedException {
        if ("HS256".equals(algorithm)) {
            return secret;
        }
        if (settings.jwksPath().isEmpty() && settings.jwksUri().isEmpty()) {
            return Optional.empty();
        }
        Optional<Jwk> key = lookup(keys, kid, algorithm);
        if (key.isEmpty()) {
            reloadIfDue();
            key = lookup(keys, kid, algorithm);
        }
        if (key.isEmpty() && !loaded) {
            throw new TokenRejectedException(Reason.KEYS_UNAVAILABLE, "the token signing keys are not available yet");
        }
        return key;
    }

    private static Optional<Jwk> lookup(JwkKeys keys, String kid, String algorithm) {
        if (kid != null) {
            return keys.forKeyId(kid).filter(key -> algorithm.equals(key.algorithm()));
        }
        // No key id: acceptable only when exactly one key could have signed it.
        List<Jwk> candidates = keys.keys().stream().filter(key -> algorithm.equals(key.algorithm())).toList();
        return candidates.size() == 1 ? Optional.of(candidates.get(0)) : Optional.empty();
    }

    private void reloadIfDue() {
        if (!reloadLock.tryLock()) {
            return;
        }
        try {
            long now = System.nanoTime();
            if (loaded && now - lastAttemptNanos < settings.jwksRefreshMinInterval().toNanos()) {
                return;
            }
            if (!loaded && now - lastAttemptNanos < Duration.ofSeconds(1).toNanos()) {
                return;
            }
            lastAttemptNanos = now;
            load();
        } catch (IOException | RuntimeException e) {
            LOGGER.log(WARNING, () -> "reloading the JWKS failed, keeping the current keys: " + e);
        } finally {
            reloadLock.unlock();
        }
    }

    private void load() throws IOException {
        JsonObject jwks;
        if (settings.jwksPath().isPresent()) {
            try (InputStream in = Files.newInputStream(settings.jwksPath().get()); JsonReader reader = Json.createReader(in)) {
                jwks = reader.readObject();
            }
        } else {
            jwks = fetch();
        }
        JwkKeys fresh;
        try {
            fresh = JwkKeys.builder().json(jwks).build();
        } catch (JsonException | IllegalArgumentException e) {
            throw new IOException("the JWKS is not valid: " + e.getMessage(), e);
        }
        keys = fresh;
        loaded = true;
        LOGGER.log(INFO, () -> "loaded " + fresh.keys().size() + " token verification key(s) from "
                + settings.jwksPath().map(Object::toString).orElseGet(() -> settings.jwksUri().get().toString()));
    }

    private JsonObject fetch() throws IOException {
        HttpRequest request = HttpRequest.newBuilder(settings.jwksUri().get())
                .timeout(settings.jwksTimeout())
                .header("Accept", "application/json")
                .GET()
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new IOException("JWKS endpoint answered " + response.statusCode());
            }
            try (JsonReader reader = Json.createReader(new StringReader(response.body()))) {
                return reader.readObject();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching the JWKS", e);
        }
    }

    private static Jwk secretKey(String secret) {
        String k = Base64.getUrlEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
        return Jwk.create(Json.createObjectBuilder()
                                  .add("kty", "oct")
                                  .add("kid", "hs256-secret")
                                  .add("alg", "HS256")
                                  .add("use", "sig")
                                  .add("k", k)
                                  .build());
    }
}
