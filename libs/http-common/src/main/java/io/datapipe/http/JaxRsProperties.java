package io.datapipe.http;

import java.util.Map;

/** Jersey settings every service applies in its {@code Application#getProperties()}. */
public final class JaxRsProperties {

    private JaxRsProperties() {
    }

    /**
     * The settings.
     *
     * @return property name to value
     */
    public static Map<String, Object> defaults() {
        return Map.of(
                // Keep a relative Location as it is (RFC 9110 allows it): behind a gateway the service's own
                // host and port are not the ones the client used.
                "jersey.config.server.headers.location.relative.resolution.disabled", true,
                // No WADL at /application.wadl; the API is described at /openapi.
                "jersey.config.server.wadl.disableWadl", true);
    }
}
