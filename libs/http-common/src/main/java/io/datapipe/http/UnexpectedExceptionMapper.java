package io.datapipe.http;

import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import static java.lang.System.Logger.Level.ERROR;

/**
 * The last resort: a bug. The client gets a 500 problem with an error id and no internals; the log
 * gets the stack trace under the same id.
 */
@Provider
@ApplicationScoped
public class UnexpectedExceptionMapper implements ExceptionMapper<Throwable> {

    private static final System.Logger LOGGER = System.getLogger(UnexpectedExceptionMapper.class.getName());

    @Context
    private UriInfo uriInfo;

    @Override
    public Response toResponse(Throwable exception) {
        String errorId = UUID.randomUUID().toString();
        String path = RequestPaths.path(uriInfo);
        LOGGER.log(ERROR, "unexpected error " + errorId + " on " + path, exception);
        Problem problem = Problem.internalError(errorId).at(path);
        return ProblemResponses.of(problem, Map.of());
    }
}
