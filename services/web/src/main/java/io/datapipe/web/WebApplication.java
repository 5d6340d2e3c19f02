package io.datapipe.web;

import java.util.Map;

import io.datapipe.http.JaxRsProperties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Application;

/** The web service's HTTP API; resources and providers are discovered through CDI. */
@ApplicationScoped
public class WebApplication extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return JaxRsProperties.defaults();
    }
}
