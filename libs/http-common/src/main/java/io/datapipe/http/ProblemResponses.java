package io.datapipe.http;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Renders problems as responses. The body is written here, as text, so that an error response never
 * depends on content negotiation with the client.
 */
public final class ProblemResponses {

    private static final ObjectMapper MAPPER = JsonMapping.mapper();

    private ProblemResponses() {
    }

    /**
     * Sends a problem as the answer of a request.
     *
     * @param response the response
     * @param problem  the problem
     * @param headers  extra headers
     */
    public static void send(io.helidon.webserver.http.ServerResponse response, Problem problem, Map<String, String> headers) {
        response.status(io.helidon.http.Status.create(problem.status()));
        headers.forEach((name, value) -> response.header(name, value));
        response.header(io.helidon.http.HeaderNames.CONTENT_TYPE, Problem.MEDIA_TYPE);
        response.send(json(problem));
    }

    /**
     * The JSON text of a problem.
     *
     * @param problem the problem
     * @return its JSON
     */
    public static String json(Problem problem) {
        try {
            return MAPPER.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            // A problem is plain strings and numbers; this cannot happen.
            throw new IllegalStateException(e);
        }
    }
}
