package io.datapipe.generator;

import java.io.InputStream;

import io.datapipe.contract.RecordMessage;
import io.datapipe.http.ApiException;
import io.datapipe.security.Roles;
import io.helidon.security.annotations.Authenticated;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * Records, write side.
 * <ul>
 *     <li>{@code POST /data} (role {@code data.write}): accepts one JSON object of at most 64 KiB as a
 *     record of the caller, and answers {@code 202 Accepted} once the broker holds it.</li>
 * </ul>
 */
@Path("/data")
@ApplicationScoped
@Authenticated
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT")
@SecurityRequirement(name = "bearer")
public class DataResource {

    private final PayloadReader payloads;
    private final RecordPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final GeneratorMetrics metrics;

    @Inject
    DataResource(PayloadReader payloads, RecordPublisher publisher, IdempotencyKeys idempotency, GeneratorMetrics metrics) {
        this.payloads = payloads;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.metrics = metrics;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.DATA_WRITE)
    @Operation(summary = "Accept a record",
               description = "Publishes one JSON object as a record of the caller; answers once the broker has confirmed it.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(type = org.eclipse.microprofile.openapi.annotations.enums.SchemaType.OBJECT,
                                                     example = "{\"informationOne\":\"aaa23\",\"informationTwo\":\"bbb24\"}")))
    @APIResponse(responseCode = "202", description = "Accepted: the broker holds the record",
                 headers = @Header(name = "Location", description = "/data/{id}"),
                 content = @Content(schema = @Schema(implementation = AcceptedRecord.class)))
    @APIResponse(responseCode = "400", description = "Not one well-formed JSON object within limits")
    @APIResponse(responseCode = "401", description = "Missing or invalid bearer token")
    @APIResponse(responseCode = "403", description = "The token lacks the data.write role")
    @APIResponse(responseCode = "413", description = "Body larger than 64 KiB")
    @APIResponse(responseCode = "415", description = "Body is not application/json")
    @APIResponse(responseCode = "422", description = "The Idempotency-Key was used before with a different body")
    @APIResponse(responseCode = "503", description = "The broker is unavailable; retry after Retry-After seconds")
    public Response create(InputStream body,
                           @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
                           @Parameter(description = "makes a retried POST answer the same without publishing again")
                           @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey,
                           @Context SecurityContext security) {
        Payload payload;
        try {
            payload = payloads.read(body, contentLength);
        } catch (ApiException refused) {
            metrics.rejected(String.valueOf(refused.problem().extensions().getOrDefault("reason",
                                                                                       refused.problem().status() == 413 ? "too_large" : "invalid")));
            throw refused;
        }
        String userId = security.getUserPrincipal().getName();
        IdempotencyKeys.Accepted outcome = idempotency.acceptOnce(
                userId, idempotencyKey, payload.bytes(), 1,
                identity -> publisher.publish(new RecordMessage(identity.id(), userId, payload.json(), identity.receivedAt())));
        AcceptedRecord accepted = new AcceptedRecord(outcome.identity().id(), userId, outcome.identity().receivedAt());
        // A relative Location (RFC 9110 allows it): behind the gateway the service's own host is not the client's.
        Response.ResponseBuilder response = Response.accepted(accepted).header(HttpHeaders.LOCATION, "/data/" + accepted.id());
        if (outcome.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }
}
