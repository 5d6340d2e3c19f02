package io.datapipe.web;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * The web console's configuration; the console itself is static content at {@code /} (see
 * {@link ConsoleContent}).
 * <ul>
 *     <li>{@code GET /config.json} (no token): where the page signs in and sends requests, from
 *     {@link ConsoleSettings}. Never cached, so a changed setting reaches the next page load.</li>
 * </ul>
 */
@Path("/config.json")
@ApplicationScoped
public class ConsoleResource {

    private final ConsoleSettings settings;

    @Inject
    ConsoleResource(ConsoleSettings settings) {
        this.settings = settings;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response get() {
        CacheControl noStore = new CacheControl();
        noStore.setNoStore(true);
        Map<String, Object> page = settings.forPage();
        return Response.ok(page).cacheControl(noStore).build();
    }
}
