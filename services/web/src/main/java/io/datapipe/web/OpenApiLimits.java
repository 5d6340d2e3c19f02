package io.datapipe.web;

import java.math.BigDecimal;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;

/**
 * Fills in what the static {@code META-INF/openapi.yaml} does not state itself: the page sizes of
 * {@code GET /data}'s {@code limit}, from the same settings {@link DataResource} reads
 * ({@code datapipe.web.default-limit} and {@code max-limit}), so that the document says what this process does.
 * Named by {@code mp.openapi.filter}.
 */
public class OpenApiLimits implements OASFilter {

    private final int defaultLimit;
    private final int maxLimit;

    public OpenApiLimits() {
        Config config = ConfigProvider.getConfig();
        this.defaultLimit = config.getValue(WebConfig.PREFIX + "." + WebConfig.DEFAULT_LIMIT, Integer.class);
        this.maxLimit = config.getValue(WebConfig.PREFIX + "." + WebConfig.MAX_LIMIT, Integer.class);
    }

    @Override
    public Parameter filterParameter(Parameter parameter) {
        if (parameter.getIn() == Parameter.In.QUERY && "limit".equals(parameter.getName()) && parameter.getSchema() != null) {
            parameter.getSchema().minimum(BigDecimal.ONE).maximum(BigDecimal.valueOf(maxLimit)).defaultValue(defaultLimit);
            parameter.description("page size, 1 to " + maxLimit + " (default " + defaultLimit + ")");
        }
        return parameter;
    }
}
