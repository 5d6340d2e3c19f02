package io.datapipe.testsupport;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.helidon.security.jwt.Jwt;

/**
 * The tokens an attacker (or a confused client) sends, each of which must be refused with 401: the
 * catalogue of the OWASP API2 (broken authentication) tests, shared by every service's test suite.
 */
public final class JwtAttacks {

    private JwtAttacks() {
    }

    /**
     * Named hostile tokens for a user with the given roles.
     *
     * @param tokens the trusted test key (its tokens are altered)
     * @param roles  the roles the attacker claims
     * @return attack name to token, in a stable order
     */
    public static Map<String, String> all(TestTokens tokens, String... roles) {
        Map<String, String> attacks = new LinkedHashMap<>();
        String rolesJson = roles.length == 0 ? "[]" : "[\"" + String.join("\",\"", roles) + "\"]";
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        attacks.put("alg none", TestTokens.raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", TestTokens.claimsJson("alice", rolesJson), ""));
        attacks.put("alg None, kid of the real key", TestTokens.raw(
                "{\"alg\":\"None\",\"kid\":\"" + tokens.keyId() + "\"}", TestTokens.claimsJson("alice", rolesJson), ""));
        attacks.put("HS256 signed with the RSA public key", TestTokens.hs256(
                "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"" + tokens.keyId() + "\"}",
                TestTokens.claimsJson("alice", rolesJson), tokens.publicJwksText().getBytes(StandardCharsets.UTF_8)));
        attacks.put("signed by an unknown key", TestTokens.stranger().token("alice", roles));
        attacks.put("unknown key id on a known key", tokens.sign(tokens.builder("alice", roles).keyId("someone-elses-key")));
        attacks.put("tampered payload, original signature", tamper(tokens.token("alice", roles),
                                                                    TestTokens.claimsJson("alice", "[\"data.read\",\"data.write\",\"data.admin\"]")));
        attacks.put("expired", tokens.sign(tokens.builder("alice", roles)
                                                   .issueTime(now.minusSeconds(7200)).notBefore(now.minusSeconds(7200))
                                                   .expirationTime(now.minusSeconds(3600))));
        attacks.put("not yet valid", tokens.sign(tokens.builder("alice", roles).notBefore(now.plusSeconds(3600))));
        attacks.put("wrong issuer", tokens.sign(tokens.builder("alice", roles).issuer("https://evil.example")));
        attacks.put("wrong audience", tokens.sign(Jwt.builder()
                                                          .keyId(tokens.keyId()).algorithm("RS256")
                                                          .issuer(TestTokens.ISSUER).addAudience("another-api")
                                                          .subject("alice").issueTime(now).expirationTime(now.plusSeconds(600))
                                                          .addPayloadClaim("Role", List.of(roles))));
        attacks.put("missing sub", tokens.sign(Jwt.builder()
                                                       .keyId(tokens.keyId()).algorithm("RS256")
                                                       .issuer(TestTokens.ISSUER).addAudience(TestTokens.AUDIENCE)
                                                       .issueTime(now).expirationTime(now.plusSeconds(600))
                                                       .addPayloadClaim("Role", List.of(roles))));
        attacks.put("Role as a string", tokens.sign(tokens.builder("alice").addPayloadClaim("Role", String.join(",", roles))));
        attacks.put("Role as an object", tokens.sign(tokens.builder("alice").addPayloadClaim("Role", Map.of("role", "data.read"))));
        attacks.put("oversized token", tokens.sign(tokens.builder("alice", roles).addPayloadClaim("padding", "x".repeat(9_000))));
        attacks.put("garbage", "not.a.token");
        return attacks;
    }

    private static String tamper(String token, String claimsJson) {
        String[] parts = token.split("\\.");
        return parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claimsJson.getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
    }
}
