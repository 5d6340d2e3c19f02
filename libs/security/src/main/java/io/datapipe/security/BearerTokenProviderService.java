package io.datapipe.security;

import io.helidon.common.config.Config;
import io.helidon.security.spi.SecurityProvider;
import io.helidon.security.spi.SecurityProviderService;

import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Makes {@link BearerTokenProvider} available to Helidon security as {@code datapipe-jwt}:
 * <pre>
 * security.providers.0.abac.fail-if-none-validated=true
 * security.providers.1.datapipe-jwt.enabled=true
 * </pre>
 * Its settings are the {@code datapipe.jwt.*} keys (see {@link JwtSettings}), read from
 * MicroProfile Config so that they map to {@code DATAPIPE_JWT_*} environment variables.
 */
public final class BearerTokenProviderService implements SecurityProviderService {

    @Override
    public String providerConfigKey() {
        return "datapipe-jwt";
    }

    @Override
    public Class<? extends SecurityProvider> providerClass() {
        return BearerTokenProvider.class;
    }

    @Override
    public SecurityProvider providerInstance(Config config) {
        return new BearerTokenProvider(TokenVerifier.of(JwtSettings.from(ConfigProvider.getConfig())));
    }
}
