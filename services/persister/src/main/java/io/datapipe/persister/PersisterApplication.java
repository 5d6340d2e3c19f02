package io.datapipe.persister;

import java.util.Map;

import io.datapipe.http.JaxRsProperties;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.info.Info;

/** The persister's HTTP API: operations on its dead-letter queue, for operators. */
@ApplicationScoped
@OpenAPIDefinition(info = @Info(title = "datapipe persister", version = "0.1.0",
                                description = "Operations on the dead-letter queue (role data.admin)."))
public class PersisterApplication extends Application {

    @Override
    public Map<String, Object> getProperties() {
        return JaxRsProperties.defaults();
    }
}
