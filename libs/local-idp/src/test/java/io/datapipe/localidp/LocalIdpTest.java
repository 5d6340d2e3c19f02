package io.datapipe.localidp;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.datapipe.security.JwtSettings;
import io.datapipe.security.TokenRejectedException;
import io.datapipe.security.TokenVerifier;
import io.datapipe.security.VerifiedToken;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The local identity provider issues what the services accept: its tokens pass the services' own
 * verifier, configured as a local service is (the provider's JWKS URI, issuer and audience), through the
 * sign-in page with PKCE as the console uses it and through the password grant as {@code make token} does.
 */
class LocalIdpTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REDIRECT = "http://127.0.0.1:8080/";

    @TempDir
    static Path keys;
    private static LocalIdp idp;

    @BeforeAll
    static void start() throws Exception {
        idp = LocalIdp.start(0, keys, "datapipe", 600);
    }

    @AfterAll
    static void stop() {
        if (idp != null) {
            idp.close();
        }
    }

    @Test
    void theDiscoveryDocumentNamesTheIssuerAndPkce() throws Exception {
        JsonNode discovery = JSON.readTree(get(idp.issuer() + "/.well-known/openid-configuration").body());

        assertThat(discovery.get("issuer").asText()).isEqualTo(idp.issuer());
        assertThat(discovery.get("jwks_uri").asText()).isEqualTo(idp.issuer() + "/jwks");
        assertThat(discovery.get("code_challenge_methods_supported").toString()).contains("S256");
    }

    @Test
    void aPasswordGrantTokenIsAcceptedByTheServicesVerifier() throws Exception {
        VerifiedToken token = verifier(idp).verify(passwordGrant(idp, "alice", "data.read, data.write"));

        assertThat(token.subject()).isEqualTo("alice");
        assertThat(token.roles()).containsExactlyInAnyOrder("data.read", "data.write");
    }

    @Test
    void theSignInPageIssuesTheTypedUserAndRolesThroughPkce() throws Exception {
        String verifier = "a-code-verifier-of-at-least-43-characters-0123456789";
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        String authorize = idp.issuer() + "/authorize?" + form(Map.of(
                "response_type", "code", "client_id", "datapipe-console", "redirect_uri", REDIRECT,
                "scope", "openid", "state", "s1", "code_challenge", challenge, "code_challenge_method", "S256"));

        assertThat(get(authorize).body()).contains("Sign in to datapipe").contains("name=\"username\"");
        HttpResponse<String> signedIn = HTTP.send(HttpRequest.newBuilder(URI.create(authorize))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", "bob", "claims", "{\"Role\":[\"data.read\"]}"))))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signedIn.statusCode()).isEqualTo(302);
        String location = signedIn.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith(REDIRECT + "?").contains("state=s1");
        String code = URI.create(location).getQuery().split("code=")[1].split("&")[0];

        Map<String, String> exchange = new LinkedHashMap<>(Map.of("grant_type", "authorization_code", "code", code,
                "client_id", "datapipe-console", "redirect_uri", REDIRECT, "code_verifier", verifier));
        JsonNode tokens = JSON.readTree(post(idp.issuer() + "/token", exchange).body());
        VerifiedToken token = verifier(idp).verify(tokens.get("access_token").asText());

        assertThat(token.subject()).isEqualTo("bob");
        assertThat(token.roles()).containsExactly("data.read");
        assertThat(tokens.get("refresh_token").asText()).isNotBlank();
    }

    @Test
    void aWrongCodeVerifierIsRefused() throws Exception {
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest("the-right-verifier-0123456789-0123456789-abc".getBytes(StandardCharsets.US_ASCII)));
        String authorize = idp.issuer() + "/authorize?" + form(Map.of(
                "response_type", "code", "client_id", "datapipe-console", "redirect_uri", REDIRECT,
                "scope", "openid", "state", "s2", "code_challenge", challenge, "code_challenge_method", "S256"));
        String location = HTTP.send(HttpRequest.newBuilder(URI.create(authorize))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", "mallory", "claims", "{}"))))
                .build(), HttpResponse.BodyHandlers.ofString()).headers().firstValue("Location").orElseThrow();
        String code = URI.create(location).getQuery().split("code=")[1].split("&")[0];

        HttpResponse<String> refused = post(idp.issuer() + "/token", Map.of("grant_type", "authorization_code", "code", code,
                "client_id", "datapipe-console", "redirect_uri", REDIRECT, "code_verifier", "a-wrong-verifier-0123456789-0123456789-abcdef"));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).doesNotContain("access_token");
    }

    @Test
    void tokensSurviveARestartBecauseTheKeyIsKept(@TempDir Path otherKeys) throws Exception {
        String token;
        try (LocalIdp first = LocalIdp.start(0, otherKeys, "datapipe", 600)) {
            token = passwordGrant(first, "carol", "data.read");
        }
        try (LocalIdp second = LocalIdp.start(0, otherKeys, "datapipe", 600)) {
            // Another port is another issuer: check the signature against the second run's keys, issuer aside.
            JwtSettings keysOnly = new JwtSettings(Optional.empty(), Optional.of(URI.create(second.issuer() + "/jwks")),
                    Optional.empty(), Optional.empty(), Set.of("datapipe"), Set.of("RS256"), Duration.ofSeconds(30), 8192,
                    Duration.ofSeconds(60), Duration.ofSeconds(5), List.of("Role", "groups"));
            assertThat(new TokenVerifier(keysOnly).verify(token).subject()).isEqualTo("carol");
        }
        assertThat(Files.readString(otherKeys.resolve("jwks.json"))).doesNotContain("\"d\"");
    }

    @Test
    void anotherAudienceIsRefusedByTheServices(@TempDir Path otherKeys) throws Exception {
        try (LocalIdp elsewhere = LocalIdp.start(0, otherKeys, "some-other-api", 600)) {
            String token = passwordGrant(elsewhere, "dave", "data.read");
            JwtSettings expectsDatapipe = new JwtSettings(Optional.empty(), Optional.of(URI.create(elsewhere.issuer() + "/jwks")),
                    Optional.empty(), Optional.of(elsewhere.issuer()), Set.of("datapipe"), Set.of("RS256"), Duration.ofSeconds(30),
                    8192, Duration.ofSeconds(60), Duration.ofSeconds(5), List.of("Role", "groups"));
            assertThatThrownBy(() -> new TokenVerifier(expectsDatapipe).verify(token))
                    .isInstanceOfSatisfying(TokenRejectedException.class,
                                            e -> assertThat(e.reason()).isEqualTo(TokenRejectedException.Reason.WRONG_AUDIENCE));
        }
    }

    /** The services' verifier, configured as `make up` configures a local service. */
    private static TokenVerifier verifier(LocalIdp provider) {
        return new TokenVerifier(new JwtSettings(Optional.empty(), Optional.of(URI.create(provider.issuer() + "/jwks")),
                Optional.empty(), Optional.of(provider.issuer()), Set.of("datapipe"), Set.of("RS256"), Duration.ofSeconds(30),
                8192, Duration.ofSeconds(60), Duration.ofSeconds(5), List.of("Role", "groups")));
    }

    private static String passwordGrant(LocalIdp provider, String user, String roles) throws Exception {
        HttpResponse<String> response = post(provider.issuer() + "/token", Map.of("grant_type", "password", "username", user,
                "password", "any", "client_id", "datapipe-cli", "scope", "openid", "roles", roles));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).get("access_token").asText();
    }

    private static HttpResponse<String> get(String uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String uri, Map<String, String> fields) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(uri))
                                 .header("Content-Type", "application/x-www-form-urlencoded")
                                 .POST(HttpRequest.BodyPublishers.ofString(form(fields)))
                                 .build(),
                         HttpResponse.BodyHandlers.ofString());
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
