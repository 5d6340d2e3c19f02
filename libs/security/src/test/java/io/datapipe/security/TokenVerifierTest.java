package io.datapipe.security;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.datapipe.security.TokenRejectedException.Reason;
import io.datapipe.testsupport.TestTokens;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenVerifierTest {

    private final TestTokens tokens = TestTokens.get();
    private final TokenVerifier verifier = new TokenVerifier(settings(Optional.empty()));

    @Test
    void acceptsAValidTokenAndReadsSubjectAndRoles() throws Exception {
        VerifiedToken verified = verifier.verify(tokens.token("alice", "data.read", "data.write"));

        assertThat(verified.subject()).isEqualTo("alice");
        assertThat(verified.roles()).containsExactlyInAnyOrder("data.read", "data.write");
    }

    @Test
    void readsRolesFromTheGroupsClaimToo() throws Exception {
        String token = tokens.sign(tokens.builder("alice").addUserGroup("data.read"));

        assertThat(verifier.verify(token).roles()).containsExactly("data.read");
    }

    @Test
    void refusesAlgNone() {
        String token = TestTokens.raw("{\"alg\":\"none\",\"typ\":\"JWT\"}",
                                      TestTokens.claimsJson("alice", "[\"data.read\"]"), "");
        assertRefused(token, Reason.UNSUPPORTED_ALGORITHM);
        assertRefused(token.substring(0, token.length() - 1), Reason.MALFORMED);
    }

    @Test
    void refusesHs256SignedWithThePublicKey() {
        // Algorithm confusion: the attacker signs with HMAC, using the public key as the secret.
        String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + tokens.keyId() + "\"}";
        String token = TestTokens.hs256(header, TestTokens.claimsJson("alice", "[\"data.read\"]"),
                                        tokens.publicJwksText().getBytes(StandardCharsets.UTF_8));
        assertRefused(token, Reason.UNSUPPORTED_ALGORITHM);
    }

    @Test
    void refusesHs256SignedWithThePublicKeyEvenWhenHs256IsEnabled() {
        TokenVerifier withSecret = new TokenVerifier(settings(Optional.of("a-shared-secret-of-at-least-32-bytes!!")));
        String header = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + tokens.keyId() + "\"}";
        String token = TestTokens.hs256(header, TestTokens.claimsJson("alice", "[\"data.read\"]"),
                                        tokens.publicJwksText().getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> withSecret.verify(token))
                .isInstanceOfSatisfying(TokenRejectedException.class,
                                        e -> assertThat(e.reason()).isEqualTo(Reason.BAD_SIGNATURE));
    }

    @Test
    void acceptsHs256WithTheConfiguredSecret() throws Exception {
        String secret = "a-shared-secret-of-at-least-32-bytes!!";
        TokenVerifier withSecret = new TokenVerifier(settings(Optional.of(secret)));
        String token = TestTokens.hs256("{\"alg\":\"HS256\",\"typ\":\"JWT\"}",
                                        TestTokens.claimsJson("alice", "[\"data.read\"]"),
                                        secret.getBytes(StandardCharsets.UTF_8));

        assertThat(withSecret.verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void refusesATokenSignedByAnUnknownKey() {
        assertRefused(TestTokens.stranger().token("alice", "data.read"), Reason.UNKNOWN_KEY);
    }

    @Test
    void refusesATamperedPayloadWithTheOriginalSignature() {
        String[] parts = tokens.token("alice", "data.read").split("\\.");
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                TestTokens.claimsJson("alice", "[\"data.read\",\"data.admin\"]").getBytes(StandardCharsets.UTF_8));
        assertRefused(parts[0] + "." + forged + "." + parts[2], Reason.BAD_SIGNATURE);
    }

    @Test
    void refusesExpiredAndNotYetValidTokens() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        assertRefused(tokens.sign(tokens.builder("alice", "data.read")
                                          .issueTime(now.minusSeconds(3600)).notBefore(now.minusSeconds(3600))
                                          .expirationTime(now.minusSeconds(120))), Reason.EXPIRED);
        assertRefused(tokens.sign(tokens.builder("alice", "data.read").notBefore(now.plusSeconds(600))),
                      Reason.NOT_YET_VALID);
    }

    @Test
    void toleratesTheConfiguredClockSkew() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String token = tokens.sign(tokens.builder("alice", "data.read")
                                           .issueTime(now.minusSeconds(600)).notBefore(now.minusSeconds(600))
                                           .expirationTime(now.minusSeconds(5)));
        assertThat(verifier.verify(token).subject()).isEqualTo("alice");
    }

    @Test
    void refusesATokenWithoutExpiry() {
        // Signed by the real key: only the missing exp is wrong.
        String token = tokens.sign(io.helidon.security.jwt.Jwt.builder()
                                           .keyId(tokens.keyId()).algorithm("RS256")
                                           .issuer(TestTokens.ISSUER).addAudience(TestTokens.AUDIENCE)
                                           .subject("alice").addPayloadClaim("Role", List.of("data.read")));
        assertRefused(token, Reason.EXPIRED);
    }

    @Test
    void refusesTheWrongIssuerOrAudience() {
        assertRefused(tokens.sign(tokens.builder("alice", "data.read").issuer("someone-else")), Reason.WRONG_ISSUER);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String otherAudience = tokens.sign(io.helidon.security.jwt.Jwt.builder()
                                                   .keyId(tokens.keyId()).algorithm("RS256")
                                                   .issuer(TestTokens.ISSUER).addAudience("another-api")
                                                   .subject("alice").issueTime(now).expirationTime(now.plusSeconds(600))
                                                   .addPayloadClaim("Role", List.of("data.read")));
        assertRefused(otherAudience, Reason.WRONG_AUDIENCE);
    }

    @Test
    void remembersAVerifiedTokenOnlyUntilItExpires() throws Exception {
        TokenVerifier noSkew = new TokenVerifier(new JwtSettings(
                Optional.of(tokens.jwksFile()), Optional.empty(), Optional.empty(), Optional.of(TestTokens.ISSUER),
                Set.of(TestTokens.AUDIENCE), Set.of("RS256"), java.time.Duration.ZERO, 8192,
                java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(5), List.of("Role", "groups")));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String shortLived = tokens.sign(tokens.builder("alice", "data.read").expirationTime(now.plusSeconds(2)));

        assertThat(noSkew.verify(shortLived).subject()).isEqualTo("alice");
        assertThat(noSkew.verify(shortLived).subject()).as("again, from memory").isEqualTo("alice");

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).pollInterval(java.time.Duration.ofMillis(100))
                .untilAsserted(() -> assertThatThrownBy(() -> noSkew.verify(shortLived))
                        .isInstanceOfSatisfying(TokenRejectedException.class,
                                                e -> assertThat(e.reason()).isEqualTo(Reason.EXPIRED)));
    }

    @Test
    void refusesAMissingOrHostileSubject() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String noSub = tokens.sign(io.helidon.security.jwt.Jwt.builder()
                                           .keyId(tokens.keyId()).algorithm("RS256")
                                           .issuer(TestTokens.ISSUER).addAudience(TestTokens.AUDIENCE)
                                           .issueTime(now).expirationTime(now.plusSeconds(600))
                                           .addPayloadClaim("Role", List.of("data.read")));
        assertRefused(noSub, Reason.INVALID_SUBJECT);
        assertRefused(tokens.token("alice\nadmin", "data.read"), Reason.INVALID_SUBJECT);
        assertRefused(tokens.token("a".repeat(200), "data.read"), Reason.INVALID_SUBJECT);
    }

    @Test
    void refusesARoleClaimThatIsNotAnArrayOfNames() {
        assertRefused(tokens.sign(TokenMinterClaims.role(tokens.builder("alice"), "data.read")), Reason.INVALID_ROLES);
        assertRefused(tokens.sign(TokenMinterClaims.role(tokens.builder("alice"), Map.of("name", "data.read"))),
                      Reason.INVALID_ROLES);
        assertRefused(tokens.sign(TokenMinterClaims.role(tokens.builder("alice"), List.of(1, 2))), Reason.INVALID_ROLES);
    }

    @Test
    void refusesAnOversizedTokenBeforeParsingIt() {
        String huge = tokens.sign(tokens.builder("alice", "data.read").addPayloadClaim("padding", "x".repeat(10_000)));
        assertRefused(huge, Reason.TOO_LARGE);
    }

    @Test
    void refusesGarbage() {
        assertRefused("not-a-token", Reason.MALFORMED);
        assertRefused("a.b.c", Reason.MALFORMED);
        assertRefused("", Reason.MALFORMED);
    }

    @Test
    void neverPutsTheTokenInItsMessage() {
        String token = tokens.sign(tokens.builder("alice", "data.read").issuer("someone-else"));
        assertThatThrownBy(() -> verifier.verify(token))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token).doesNotContain(token.split("\\.")[1]));
    }

    private void assertRefused(String token, Reason reason) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private JwtSettings settings(Optional<String> secret) {
        return new JwtSettings(Optional.of(tokens.jwksFile()), Optional.empty(), secret,
                               Optional.of(TestTokens.ISSUER), Set.of(TestTokens.AUDIENCE),
                               secret.isPresent() ? Set.of("RS256", "ES256", "HS256") : Set.of("RS256", "ES256"),
                               java.time.Duration.ofSeconds(30), 8192, java.time.Duration.ofSeconds(60),
                               java.time.Duration.ofSeconds(5), List.of("Role", "groups"));
    }

    /** Puts an arbitrary value in the Role claim, replacing the array the builder set. */
    private static final class TokenMinterClaims {
        static io.helidon.security.jwt.Jwt.Builder role(io.helidon.security.jwt.Jwt.Builder builder, Object value) {
            return builder.addPayloadClaim("Role", value);
        }
    }
}
