package io.datapipe.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.datapipe.security.JwtSettings;
import io.datapipe.security.Roles;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.Config;

import static java.lang.System.Logger.Level.WARNING;

/**
 * How the web console served at {@code /} signs in and where it sends requests, from configuration
 * ({@code datapipe.console.*}, so {@code DATAPIPE_CONSOLE_*}); the page reads it from
 * {@code /config.json}, so one build of the page serves every environment.
 * <ul>
 *     <li>{@code issuer}: the OpenID Connect provider the page signs in with (default: the issuer the
 *     services accept, {@code datapipe.jwt.issuer});</li>
 *     <li>{@code client-id}, {@code scopes}: the page's client at that provider;</li>
 *     <li>{@code post-url}: where the page sends {@code POST /data}: {@code /data} behind the gateway,
 *     the generator's own URL where it runs on another origin (locally);</li>
 *     <li>{@code connect-origins}: further origins the page may fetch from, beyond the API and the
 *     issuer's, such as an identity provider's token endpoint on another host;</li>
 *     <li>{@code page-size}: records per page of the list.</li>
 * </ul>
 * The page decides what to offer from the same role claims the services read ({@code datapipe.jwt.role-claims}).
 */
@ApplicationScoped
public class ConsoleSettings {

    private static final System.Logger LOGGER = System.getLogger(ConsoleSettings.class.getName());

    private final URI issuer;
    private final String clientId;
    private final String scopes;
    private final String postUrl;
    private final List<String> connectOrigins;
    private final int pageSize;
    private final List<String> roleClaims;

    @Inject
    ConsoleSettings(Config config) {
        this.issuer = URI.create(config.getValue("datapipe.console.issuer", String.class));
        this.clientId = config.getValue("datapipe.console.client-id", String.class);
        this.scopes = config.getValue("datapipe.console.scopes", String.class);
        this.postUrl = config.getValue("datapipe.console.post-url", String.class);
        this.connectOrigins = config.getOptionalValues("datapipe.console.connect-origins", String.class).orElse(List.of());
        this.pageSize = config.getValue("datapipe.console.page-size", Integer.class);
        this.roleClaims = JwtSettings.from(config).roleClaims();
        if (!issuer.isAbsolute()) {
            // The API works without the console; the page will say it cannot reach the identity provider.
            LOGGER.log(WARNING, () -> "the web console cannot sign in: datapipe.console.issuer (by default datapipe.jwt.issuer)"
                    + " is not a URL but '" + issuer + "'");
        }
    }

    /**
     * What the page is told at {@code /config.json}.
     *
     * @return the page's settings
     */
    public Map<String, Object> forPage() {
        return Map.of("issuer", issuer.toString(),
                      "clientId", clientId,
                      "scopes", scopes,
                      "postUrl", postUrl,
                      "pageSize", pageSize,
                      "roleClaims", roleClaims,
                      "roles", Map.of("read", Roles.DATA_READ, "write", Roles.DATA_WRITE));
    }

    /**
     * The Content-Security-Policy of the page: its own scripts and styles only, no inline script, and
     * requests only to this origin (the API's GETs and the page's configuration), where it posts records
     * and the identity provider.
     *
     * @return the header value
     */
    public String contentSecurityPolicy() {
        Set<String> connect = new LinkedHashSet<>();
        connect.add("'self'");
        origin(postUrl).ifPresent(connect::add);
        origin(issuer.toString()).ifPresent(connect::add);
        connectOrigins.forEach(origin -> connect.add(origin.strip()));
        List<String> directives = new ArrayList<>(List.of(
                "default-src 'none'",
                "script-src 'self'",
                "style-src 'self'",
                "img-src 'self'",
                "connect-src " + String.join(" ", connect),
                "base-uri 'none'",
                "form-action 'none'",
                "frame-ancestors 'none'"));
        return String.join("; ", directives);
    }

    private static Optional<String> origin(String url) {
        URI uri = URI.create(url);
        if (!uri.isAbsolute()) {
            return Optional.empty();
        }
        return Optional.of(uri.getScheme() + "://" + uri.getRawAuthority());
    }
}
