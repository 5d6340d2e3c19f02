package io.datapipe.web;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.helidon.config.mp.MpConfigSources;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.spi.ConfigProviderResolver;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the console is told and may connect to, for the two ways it is deployed: locally, posting to
 * the generator on another origin, and behind the gateway, where everything is one origin. (The browser
 * tests check the headers as served.)
 */
class ConsoleSettingsTest {

    @Test
    void locallyThePageMayConnectToItsOriginTheGeneratorAndTheIdentityProvider() {
        ConsoleSettings settings = settings(Map.of("datapipe.console.post-url", "http://127.0.0.1:8081/data"));

        assertThat(settings.contentSecurityPolicy())
                .contains("connect-src 'self' http://127.0.0.1:8081 http://127.0.0.1:8083;")
                .contains("script-src 'self';")
                .doesNotContain("unsafe");
        assertThat(settings.forPage())
                .containsEntry("issuer", "http://127.0.0.1:8083/datapipe")
                .containsEntry("postUrl", "http://127.0.0.1:8081/data")
                .containsEntry("roleClaims", List.of("Role", "groups"))
                .containsEntry("roles", Map.of("read", "data.read", "write", "data.write"));
    }

    @Test
    void behindTheGatewayThePagePostsToItsOwnOriginAndReachesOnlyTheIdentityProviderBeyondIt() {
        ConsoleSettings settings = settings(Map.of(
                "datapipe.console.post-url", "/data",
                "datapipe.jwt.issuer", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example",
                "datapipe.jwt.role-claims", "cognito:groups",
                "datapipe.console.connect-origins", "https://datapipe-dev.auth.eu-west-1.amazoncognito.com"));

        assertThat(settings.contentSecurityPolicy()).contains(
                "connect-src 'self' https://cognito-idp.eu-west-1.amazonaws.com https://datapipe-dev.auth.eu-west-1.amazoncognito.com;");
        assertThat(settings.forPage())
                .containsEntry("issuer", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example")
                .containsEntry("postUrl", "/data")
                .containsEntry("roleClaims", List.of("cognito:groups"));
    }

    /** The service's own configuration file, with some keys changed. */
    private static ConsoleSettings settings(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(overrides);
        values.put("config_ordinal", "500");
        Config config = ConfigProviderResolver.instance().getBuilder()
                .withSources(MpConfigSources.create(values))
                .addDefaultSources()
                .build();
        return new ConsoleSettings(config);
    }
}
