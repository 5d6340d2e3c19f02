package io.datapipe.persister;

import java.util.Map;

import io.datapipe.http.JaxRsProperties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Application;

/** The persister's HTTP API: operations on its dead-letter queue, for operators. */
@ApplicationScoped
public class PersisterApplication extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return JaxRsProperties.defaults();
    }
}
