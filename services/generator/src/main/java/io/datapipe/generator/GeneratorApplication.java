package io.datapipe.generator;

import java.util.Map;

import io.datapipe.http.JaxRsProperties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Application;

/**
 * The generator's JAX-RS application: its error mappers and filters for whatever reaches JAX-RS. The data
 * endpoints themselves are served by the web server's routing ({@link DataRoutes}).
 */
@ApplicationScoped
public class GeneratorApplication extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return JaxRsProperties.defaults();
    }
}
