package io.datapipe.security;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.se.SeContainer;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.jboss.weld.environment.se.Weld;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The guard in a real CDI container (Weld, as the services run it), with the beans of each case only. */
class RoutesOnlyGuardTest {

    @Path("/admin")
    @ApplicationScoped
    public static class JaxRsResource {
        @GET
        public String get() {
            return "served to anyone";
        }
    }

    @ApplicationScoped
    public static class AnnotatedBean {
        @RolesAllowed("data.admin")
        public String secret() {
            return "served to anyone";
        }
    }

    @ApplicationScoped
    public static class PlainBean {
    }

    @Test
    void refusesToStartWithAJaxRsResource() {
        assertThatThrownBy(() -> start(JaxRsResource.class).close())
                .hasStackTraceContaining(JaxRsResource.class.getName() + ": a JAX-RS resource or container-security annotation");
    }

    @Test
    void refusesToStartWithAContainerSecurityAnnotation() {
        assertThatThrownBy(() -> start(AnnotatedBean.class).close())
                .hasStackTraceContaining(AnnotatedBean.class.getName() + ": a JAX-RS resource or container-security annotation");
    }

    @Test
    void startsWithoutEither() {
        try (SeContainer container = start(PlainBean.class)) {
            assertThat(container.select(PlainBean.class).isResolvable()).isTrue();
        }
    }

    private static SeContainer start(Class<?> bean) {
        // Weld itself: Helidon's SeContainerInitializer only starts through Helidon's main.
        return new Weld().disableDiscovery().addExtension(new RoutesOnlyGuard()).addBeanClass(bean).initialize();
    }
}
