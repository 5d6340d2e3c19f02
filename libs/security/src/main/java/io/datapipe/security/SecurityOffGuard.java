package io.datapipe.security;

import java.util.ArrayList;
import java.util.List;

import io.helidon.security.annotations.Authenticated;
import io.helidon.security.annotations.Authorized;

import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.WithAnnotations;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * Refuses to start a service whose Helidon security is off ({@code security.enabled=false}) while one of its
 * beans asks Helidon security to protect it ({@code @RolesAllowed}, {@code @DenyAll}, {@code @Authenticated},
 * {@code @Authorized}): with security off, Helidon would serve such an endpoint to anyone.
 *
 * <p>generator and web turn security off: every endpoint of their API is served by {@code ApiRoutes}, which
 * checks each route's token and role itself ({@link BearerAuthentication}), and Helidon's web-server security
 * would only build a security context nobody reads for every request. The persister's admin API is JAX-RS with
 * {@code @RolesAllowed}, so it keeps security on, and this guard keeps it from starting with it off.
 */
public class SecurityOffGuard implements Extension {

    private final List<String> secured = new ArrayList<>();

    void collect(@Observes @WithAnnotations({RolesAllowed.class, DenyAll.class, Authenticated.class, Authorized.class})
                 ProcessAnnotatedType<?> type) {
        secured.add(type.getAnnotatedType().getJavaClass().getName());
    }

    void refuseUnprotected(@Observes AfterBeanDiscovery event) {
        boolean enabled = ConfigProvider.getConfig().getOptionalValue("security.enabled", Boolean.class).orElse(true);
        if (!enabled && !secured.isEmpty()) {
            event.addDefinitionError(new IllegalStateException(
                    "security.enabled=false, but " + String.join(", ", secured) + " ask(s) for Helidon security: with "
                            + "security off they would be served to anyone. Turn security on (SECURITY_ENABLED=true), "
                            + "or serve them through ApiRoutes with an authenticator."));
        }
    }
}
