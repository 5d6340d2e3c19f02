package io.datapipe.http;

import java.security.Principal;

import io.datapipe.logging.LogContext;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * Puts the authenticated caller's user id into the log lines of the request ({@code user_id}), and takes
 * it out when the response is written. Runs after the security filters.
 */
@Provider
@Priority(Priorities.USER)
@ApplicationScoped
public class CallerLogContext implements ContainerRequestFilter, ContainerResponseFilter {

    @Override
    public void filter(ContainerRequestContext request) {
        Principal caller = request.getSecurityContext() == null ? null : request.getSecurityContext().getUserPrincipal();
        LogContext.userId(caller == null ? null : caller.getName());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        LogContext.userId(null);
    }

    /**
     * For requests served outside JAX-RS: puts the caller into the log lines of the current thread, or, with
     * {@code null} once the answer is written, takes it out.
     *
     * @param userId the authenticated caller, or {@code null}
     */
    public static void caller(String userId) {
        LogContext.userId(userId);
    }
}
