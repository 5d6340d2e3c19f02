package io.datapipe.generator;

import java.util.Map;

import io.datapipe.http.JaxRsProperties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/** The generator's HTTP API; resources and providers are discovered through CDI. */
@ApplicationScoped
@OpenAPIDefinition(info = @Info(title = "datapipe generator", version = "0.1.0",
                                description = "Accepts records and publishes them to the pipeline."))
public class GeneratorApplication extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return JaxRsProperties.defaults();
    }
}
