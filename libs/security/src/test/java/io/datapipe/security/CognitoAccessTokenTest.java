package io.datapipe.security;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.datapipe.security.TokenRejectedException.Reason;
import io.datapipe.testsupport.TestTokens;
import io.helidon.security.jwt.Jwt;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Access tokens shaped as Amazon Cognito issues them (infra/modules/identity): RS256, no
 * {@code aud}, the app client in {@code client_id}, the user's groups in {@code cognito:groups},
 * {@code sub} the user's id. The environments configure {@code audience-claim=client_id},
 * {@code audience=<api client>,<console client>} and {@code role-claims=cognito:groups}.
 */
class CognitoAccessTokenTest {

    private static final String API_CLIENT = "1example0api0client0id";
    private static final String CONSOLE_CLIENT = "2example0console0id";
    private static final String USER = "7d4e2f3a-9b1c-4e8f-a2d5-0c6b8e9f1a2b";

    private final TestTokens tokens = TestTokens.get();
    private final TokenVerifier verifier = new TokenVerifier(new JwtSettings(
            Optional.of(tokens.jwksFile()), Optional.empty(), Optional.empty(), Optional.of(TestTokens.ISSUER),
            Set.of(API_CLIENT, CONSOLE_CLIENT), Set.of("RS256"), Duration.ofSeconds(30), 8192, Duration.ofSeconds(60),
            Duration.ofSeconds(5), List.of("cognito:groups"), "client_id"));

    @Test
    void acceptsAnAccessTokenOfEitherClientWithTheGroupsAsRoles() throws Exception {
        for (String client : List.of(API_CLIENT, CONSOLE_CLIENT)) {
            VerifiedToken verified = verifier.verify(tokens.sign(accessToken(client, "data.read", "data.write")));
            assertThat(verified.subject()).isEqualTo(USER);
            assertThat(verified.roles()).containsExactlyInAnyOrder("data.read", "data.write");
        }
    }

    @Test
    void refusesAnotherClientsTokenAndAnIdToken() {
        assertRefused(tokens.sign(accessToken("3some0other0client", "data.read")));
        // An ID token names the client in aud and has no client_id: not an API credential.
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        assertRefused(tokens.sign(Jwt.builder().keyId(tokens.keyId()).algorithm("RS256").issuer(TestTokens.ISSUER)
                                          .subject(USER).addAudience(API_CLIENT).issueTime(now).expirationTime(now.plusSeconds(600))
                                          .addPayloadClaim("token_use", "id").addPayloadClaim("cognito:groups", List.of("data.read"))));
        // A client_id that is not a string.
        assertRefused(tokens.sign(accessToken(API_CLIENT, "data.read").addPayloadClaim("client_id", List.of(API_CLIENT))));
    }

    @Test
    void anEmptyAudienceClaimIsAConfigurationError() {
        assertThatThrownBy(() -> new JwtSettings(Optional.of(tokens.jwksFile()), Optional.empty(), Optional.empty(), Optional.empty(),
                                                 Set.of(API_CLIENT), Set.of("RS256"), Duration.ZERO, 8192, Duration.ofSeconds(60),
                                                 Duration.ofSeconds(5), List.of("cognito:groups"), " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("datapipe.jwt.audience-claim");
    }

    private Jwt.Builder accessToken(String client, String... groups) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return Jwt.builder().keyId(tokens.keyId()).algorithm("RS256").issuer(TestTokens.ISSUER).subject(USER)
                .issueTime(now).expirationTime(now.plusSeconds(600))
                .addPayloadClaim("token_use", "access").addPayloadClaim("client_id", client)
                .addPayloadClaim("scope", "aws.cognito.signin.user.admin").addPayloadClaim("cognito:groups", List.of(groups));
    }

    private void assertRefused(String token) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOfSatisfying(TokenRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_AUDIENCE));
    }
}
