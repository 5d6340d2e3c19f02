package io.datapipe.web;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.datapipe.contract.RecordIds;
import io.datapipe.http.ApiException;
import io.datapipe.security.Roles;
import io.datapipe.store.DataRecord;
import io.helidon.security.annotations.Authenticated;

import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import org.eclipse.microprofile.config.inject.ConfigProperties;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * Records, read side; only ever the caller's own.
 * <ul>
 *     <li>{@code GET /data?limit=&cursor=} (role {@code data.read}): the caller's records, newest first,
 *     one page at a time;</li>
 *     <li>{@code GET /data/{id}} (role {@code data.read}): one of the caller's records; 404 when there is
 *     no such record or it belongs to someone else, which are indistinguishable on purpose.</li>
 * </ul>
 */
@Path("/data")
@ApplicationScoped
@Authenticated
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer", bearerFormat = "JWT")
@SecurityRequirement(name = "bearer")
public class DataResource {

    private final RecordQueries queries;
    private final Cursors cursors;
    private final int defaultLimit;
    private final int maxLimit;

    @Inject
    DataResource(RecordQueries queries,
                 Cursors cursors,
                 @ConfigProperties WebConfig config) {
        this.queries = queries;
        this.cursors = cursors;
        this.defaultLimit = config.defaultLimit();
        this.maxLimit = config.maxLimit();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.DATA_READ)
    @Operation(summary = "List the caller's records", description = "Newest first; follow nextCursor for older records.")
    @APIResponse(responseCode = "200", description = "A page of records")
    @APIResponse(responseCode = "400", description = "limit out of range, or a cursor not issued to this caller")
    @APIResponse(responseCode = "401", description = "Missing or invalid bearer token")
    @APIResponse(responseCode = "403", description = "The token lacks the data.read role")
    @APIResponse(responseCode = "503", description = "The database is unavailable; retry after Retry-After seconds")
    public RecordPage list(@Parameter(description = "page size, 1 to 500 (default 50)") @QueryParam("limit") String limit,
                           @Parameter(description = "nextCursor of the previous page") @QueryParam("cursor") String cursor,
                           @Context SecurityContext security) {
        String userId = security.getUserPrincipal().getName();
        int size = limit(limit);
        Optional<Cursors.Position> after = Optional.empty();
        if (cursor != null) {
            after = Optional.of(cursors.decode(userId, cursor).orElseThrow(
                    () -> ApiException.badRequest("INVALID_CURSOR", "the cursor is not one this API issued to you")));
        }
        // One row more than asked tells whether there is a next page.
        List<DataRecord> rows = queries.page(userId, after, size + 1);
        boolean more = rows.size() > size;
        List<DataRecord> page = more ? rows.subList(0, size) : rows;
        String next = null;
        if (more) {
            DataRecord last = page.get(page.size() - 1);
            next = cursors.encode(userId, new Cursors.Position(last.receivedAt(), last.id()));
        }
        return new RecordPage(page.stream().map(RecordView::of).toList(), next);
    }

    @GET
    @Path("/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.DATA_READ)
    @Operation(summary = "Get one of the caller's records")
    @APIResponse(responseCode = "200", description = "The record")
    @APIResponse(responseCode = "400", description = "The id is not a UUID")
    @APIResponse(responseCode = "404", description = "No such record, or not the caller's")
    public RecordView get(@PathParam("id") String id, @Context SecurityContext security) {
        UUID recordId = RecordIds.parse(id).orElseThrow(
                () -> ApiException.badRequest("INVALID_ID", "the record id must be a UUID"));
        return queries.find(security.getUserPrincipal().getName(), recordId)
                .map(RecordView::of)
                .orElseThrow(() -> ApiException.notFound("no record with this id"));
    }

    private int limit(String limit) {
        if (limit == null) {
            return defaultLimit;
        }
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= maxLimit) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiException.badRequest("INVALID_LIMIT", "limit must be a whole number from 1 to " + maxLimit);
    }
}
