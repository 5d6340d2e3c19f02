package io.datapipe.localidp;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import no.nav.security.mock.oauth2.token.OAuth2TokenCallback;

/**
 * What the local identity provider puts in its tokens, for every grant of its one issuer: the services'
 * audience, a lifetime, and the roles.
 * <ul>
 *     <li>Sign-in page (authorization code): the subject is the user name typed on the page, the roles are
 *     the {@code Role} claim the page submits (mock-oauth2-server adds the page's claims to these).</li>
 *     <li>Password grant ({@code make token}): the subject is {@code username}, the roles are the
 *     comma-separated {@code roles} form parameter.</li>
 *     <li>Refresh: what the original grant issued.</li>
 * </ul>
 *
 * @param issuerId the first path segment of the issuer URL
 * @param audience the {@code aud} of every token (the services' {@code datapipe.jwt.audience})
 * @param lifetimeSeconds how long a token lives
 */
record RoleTokenCallback(String issuerId, String audience, long lifetimeSeconds) implements OAuth2TokenCallback {

    /** The claim the services read roles from first ({@code datapipe.jwt.role-claims}). */
    static final String ROLE_CLAIM = "Role";
    /** Form parameter of the password grant with the roles, comma-separated. */
    static final String ROLES_PARAMETER = "roles";

    @Override
    public String subject(TokenRequest request) {
        // Only a grant without a person (client credentials) gets here: the client is the subject.
        ClientID client = request.getClientID();
        return client == null ? null : client.getValue();
    }

    @Override
    public String typeHeader(TokenRequest request) {
        return "JWT";
    }

    @Override
    public List<String> audience(TokenRequest request) {
        return List.of(audience);
    }

    @Override
    public Map<String, Object> addClaims(TokenRequest request) {
        List<String> values = request.getCustomParameters().getOrDefault(ROLES_PARAMETER, List.of());
        List<String> roles = values.stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::strip)
                .filter(role -> !role.isEmpty())
                .toList();
        // No Role claim here unless asked for: the sign-in page's own Role claim is added only where this
        // callback has none.
        return roles.isEmpty() ? Map.of() : Map.of(ROLE_CLAIM, roles);
    }

    @Override
    public long tokenExpiry() {
        return lifetimeSeconds;
    }
}
