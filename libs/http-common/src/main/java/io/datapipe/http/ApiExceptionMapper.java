package io.datapipe.http;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

/** Maps the API's own errors to their problem responses. */
@Provider
@ApplicationScoped
public class ApiExceptionMapper implements ExceptionMapper<ApiException> {

    @Context
    private UriInfo uriInfo;

    @Override
    public Response toResponse(ApiException exception) {
        return ProblemResponses.of(exception.problem().at(RequestPaths.path(uriInfo)), exception.headers());
    }
}
