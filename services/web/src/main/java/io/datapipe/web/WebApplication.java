package io.datapipe.web;

import java.util.Map;

import io.datapipe.http.JaxRsProperties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/** The web service's HTTP API; resources and providers are discovered through CDI. */
@ApplicationScoped
@OpenAPIDefinition(info = @Info(title = "datapipe web", version = "0.1.0",
                                description = "Reads the caller's own records."))
public class WebApplication extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return JaxRsProperties.defaults();
    }
}
