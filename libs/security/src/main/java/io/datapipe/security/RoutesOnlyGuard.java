package io.datapipe.security;

import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.AfterBeanDiscovery;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.enterprise.inject.spi.ProcessAnnotatedType;
import jakarta.enterprise.inject.spi.WithAnnotations;
import jakarta.ws.rs.Path;

/**
 * Refuses to start a service with a JAX-RS resource ({@code @Path}) or a bean that asks for container security
 * ({@code @RolesAllowed}, {@code @DenyAll}, {@code @PermitAll}). The services serve every endpoint of their APIs
 * through {@code ApiRoutes}, which checks each route's token and role itself ({@link BearerAuthentication}), and
 * run no Helidon security: a JAX-RS resource would be served by Jersey to anyone, its annotations unread.
 */
public class RoutesOnlyGuard implements Extension {

    private final List<String> refused = new ArrayList<>();

    void collect(@Observes @WithAnnotations({Path.class, RolesAllowed.class, DenyAll.class, PermitAll.class})
                 ProcessAnnotatedType<?> type) {
        refused.add(type.getAnnotatedType().getJavaClass().getName());
    }

    void refuse(@Observes AfterBeanDiscovery event) {
        if (!refused.isEmpty()) {
            event.addDefinitionError(new IllegalStateException(
                    String.join(", ", refused) + ": a JAX-RS resource or container-security annotation, which nothing "
                            + "here enforces (no Helidon security): the endpoint would be served to anyone. Serve it "
                            + "through ApiRoutes with an authenticator (libs/http-common, BearerAuthentication)."));
        }
    }
}
