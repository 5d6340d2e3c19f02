package io.datapipe.security;

import io.datapipe.http.Problem;
import io.datapipe.http.ProblemResponses;
import io.helidon.microprofile.security.spi.SecurityResponseMapper;
import io.helidon.security.AuthenticationResponse;
import io.helidon.security.SecurityResponse;

import jakarta.ws.rs.core.Response;

/**
 * Gives refused requests a problem+json body: 401 when the token does not authenticate, 403 when it
 * lacks the role, 503 when the keys are unavailable. The detail says why without echoing the token.
 */
public final class SecurityProblemMapper implements SecurityResponseMapper {

    @Override
    public void aborted(SecurityResponse response, Response.ResponseBuilder builder) {
        int status = response.statusCode().orElse(response instanceof AuthenticationResponse ? 401 : 403);
        Problem problem = switch (status) {
            case 401 -> Problem.of(401, "unauthorized", "Unauthorized",
                                   response.description().orElse("a valid bearer token is required"));
            case 403 -> Problem.of(403, "forbidden", "Forbidden",
                                   BearerAuthentication.FORBIDDEN_DETAIL);
            case 503 -> Problem.of(503, "service-unavailable", "Service Unavailable",
                                   response.description().orElse("authentication is unavailable"));
            default -> Problem.of(status, "http-" + status, "Request refused", "the request was refused");
        };
        builder.status(status).type(Problem.MEDIA_TYPE).entity(ProblemResponses.json(problem));
    }
}
