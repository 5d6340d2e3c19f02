package io.datapipe.http;

import java.util.HashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/**
 * Maps the errors JAX-RS raises itself (unknown path, method not allowed, unsupported media type,
 * not acceptable, ...) to problem responses with the same status, keeping headers such as
 * {@code Allow}.
 */
@Provider
@ApplicationScoped
public class WebApplicationExceptionMapper implements ExceptionMapper<WebApplicationException> {

    private static final Map<Integer, String[]> KINDS = Map.of(
            400, new String[] {"bad-request", "Bad Request", "the request is malformed"},
            401, new String[] {"unauthorized", "Unauthorized", "a valid bearer token is required"},
            403, new String[] {"forbidden", "Forbidden", "the token does not grant access to this resource"},
            404, new String[] {"not-found", "Not Found", "no resource at this path"},
            405, new String[] {"method-not-allowed", "Method Not Allowed", "this method is not allowed here"},
            406, new String[] {"not-acceptable", "Not Acceptable", "responses are available as application/json only"},
            413, new String[] {"payload-too-large", "Payload Too Large", "the request body is too large"},
            415, new String[] {"unsupported-media-type", "Unsupported Media Type", "the body must be application/json"});

    @Context
    private UriInfo uriInfo;

    @Override
    public Response toResponse(WebApplicationException exception) {
        Response original = exception.getResponse();
        if (exception instanceof NotFoundException && uriInfo != null && uriInfo.getMatchedResources().isEmpty()) {
            // No JAX-RS resource matches the path: leave Jersey's empty 404 alone, so that the server
            // goes on to its other routes (/health, /metrics, /openapi).
            return original;
        }
        int status = original == null ? 500 : original.getStatus();
        String[] kind = KINDS.getOrDefault(status, new String[] {
                "http-" + status, Response.Status.Family.familyOf(status).name(), "the request could not be served"});
        Problem problem = Problem.of(status, kind[0], kind[1], kind[2]).at(RequestPaths.path(uriInfo));
        Map<String, String> headers = new HashMap<>();
        if (original != null) {
            original.getStringHeaders().forEach((name, values) -> {
                if (!HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name) && !HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) {
                    headers.put(name, String.join(", ", values));
                }
            });
        }
        return ProblemResponses.of(problem, headers);
    }
}
