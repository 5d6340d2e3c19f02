package io.datapipe.generator;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import io.datapipe.contract.RecordMessage;
import io.datapipe.http.ApiException;
import io.datapipe.http.RateLimits;
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
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

/**
 * Records in batches, write side.
 * <ul>
 *     <li>{@code POST /data/batch} (role {@code data.write}, {@code Idempotency-Key} required): accepts a
 *     JSON array of up to 500 objects (1 MiB) as records of the caller, each held to the rules of
 *     {@code POST /data}, and answers {@code 202 Accepted} with their ids in order once the broker holds
 *     every one. All or nothing from the caller's view: a refused record refuses the whole batch before
 *     anything is published, and a batch the broker did not wholly confirm is a 503 whose retry with the
 *     same key publishes the same ids (stored once).</li>
 * </ul>
 */
@Path("/data/batch")
@ApplicationScoped
@Authenticated
@SecurityRequirement(name = "bearer")
public class BatchResource {

    private final BatchReader batches;
    private final RecordPublisher publisher;
    private final IdempotencyKeys idempotency;
    private final RateLimits limits;
    private final GeneratorMetrics metrics;

    @Inject
    BatchResource(BatchReader batches, RecordPublisher publisher, IdempotencyKeys idempotency, RateLimits limits,
                  GeneratorMetrics metrics) {
        this.batches = batches;
        this.publisher = publisher;
        this.idempotency = idempotency;
        this.limits = limits;
        this.metrics = metrics;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.DATA_WRITE)
    @Operation(summary = "Accept a batch of records",
               description = "Publishes each object of a JSON array (at most 500, 1 MiB in all, each within the limits of "
                       + "POST /data) as a record of the caller; answers once the broker has confirmed every one, with "
                       + "the ids in the order of the array. A refused record refuses the whole batch and nothing is "
                       + "published. The caller's rate limit counts records.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                    schema = @Schema(type = SchemaType.ARRAY, maxItems = 500, minItems = 1,
                                                     example = "[{\"informationOne\":\"aaa23\"},{\"informationOne\":\"aaa24\"}]")))
    @APIResponse(responseCode = "202", description = "Accepted: the broker holds every record",
                 headers = @Header(name = "Idempotent-Replayed", description = "true when an earlier request with this key was answered the same"),
                 content = @Content(schema = @Schema(implementation = AcceptedBatch.class)))
    @APIResponse(responseCode = "400", description = "Not an array of 1 to 500 acceptable objects (the problem's errors name "
            + "each refused index and why), or no Idempotency-Key")
    @APIResponse(responseCode = "401", description = "Missing or invalid bearer token")
    @APIResponse(responseCode = "403", description = "The token lacks the data.write role")
    @APIResponse(responseCode = "413", description = "Body larger than 1 MiB")
    @APIResponse(responseCode = "415", description = "Body is not application/json")
    @APIResponse(responseCode = "422", description = "The Idempotency-Key was used before with a different body")
    @APIResponse(responseCode = "429", description = "Over the caller's limit, counted in records")
    @APIResponse(responseCode = "503", description = "The broker did not confirm every record; retry with the same "
            + "Idempotency-Key after Retry-After seconds")
    public Response create(InputStream body,
                           @HeaderParam(HttpHeaders.CONTENT_LENGTH) String contentLength,
                           @Parameter(required = true,
                                      description = "required: a retry with the same key and body publishes the same ids")
                           @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey,
                           @Context SecurityContext security,
                           @Context ContainerRequestContext request) {
        if (idempotencyKey == null) {
            throw ApiException.badRequest("IDEMPOTENCY_KEY_REQUIRED", "a batch needs an Idempotency-Key header, so that a "
                    + "retry after a 503 publishes the same ids instead of storing part of the batch twice");
        }
        IdempotencyKeys.validate(idempotencyKey);
        BatchReader.Batch batch;
        try {
            batch = batches.read(body, contentLength);
        } catch (ApiException refused) {
            metrics.rejected(refused.problem().status() == 413 ? "too_large" : "invalid_batch");
            throw refused;
        }
        limits.charge(request, batch.records().size());
        String userId = security.getUserPrincipal().getName();
        IdempotencyKeys.Accepted outcome = idempotency.acceptOnce(
                userId, idempotencyKey, batch.bytes(), batch.records().size(),
                identity -> publisher.publishAll(messages(batch, userId, identity)));
        Response.ResponseBuilder response = Response.accepted(
                new AcceptedBatch(outcome.identity().ids(), userId, outcome.identity().receivedAt()));
        if (outcome.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.build();
    }

    private static List<RecordMessage> messages(BatchReader.Batch batch, String userId, IdempotencyKeys.Identity identity) {
        List<RecordMessage> messages = new ArrayList<>(batch.records().size());
        for (int i = 0; i < batch.records().size(); i++) {
            messages.add(new RecordMessage(identity.ids().get(i), userId, batch.records().get(i), identity.receivedAt()));
        }
        return messages;
    }
}
