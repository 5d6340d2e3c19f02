package io.datapipe.topology;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Applies a {@link TopologyDefinition} to a broker through the management HTTP API, object by object as the
 * Messaging Topology Operator reconciles them: each is created, or left as it is when it already matches; a
 * queue or exchange that exists with other arguments is refused by the broker, and that refusal is the error.
 * Users get the username and password of the Secret their {@code importCredentialsSecret} names (given here,
 * since there is no cluster to read it from) and no tags: they cannot use the management API.
 */
public final class TopologyApplier {

    /**
     * A Secret's {@code username} and {@code password} keys.
     *
     * @param username the broker user's name
     * @param password its password
     */
    public record Credentials(String username, String password) {
        @Override
        public String toString() {
            return username + ":***";
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final URI management;
    private final String authorization;

    /**
     * @param management the management API's base, e.g. {@code http://127.0.0.1:15672}
     * @param username   an administrator of the broker
     * @param password   its password
     */
    public TopologyApplier(URI management, String username, String password) {
        this.management = management;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param definition the objects
     * @param secrets    Secret name to its credentials, for every User's {@code importCredentialsSecret}
     * @return what was done, one line per object ({@code PUT /api/queues/datapipe/datapipe.persister})
     * @throws IllegalArgumentException when a User's Secret or a Permission's user is missing
     * @throws IllegalStateException    when the broker refuses an object (its answer is in the message)
     */
    public List<String> apply(TopologyDefinition definition, Map<String, Credentials> secrets) {
        List<String> done = new ArrayList<>();
        for (ObjectNode object : definition.objects()) {
            JsonNode spec = object.path("spec");
            String vhost = spec.path("vhost").asText("/");
            switch (object.path("kind").asText()) {
                case "Vhost" -> done.add(send("PUT", "/api/vhosts/" + encode(spec.path("name").asText()), JSON.createObjectNode()));
                case "Exchange" -> done.add(send("PUT", "/api/exchanges/" + encode(vhost) + "/" + encode(spec.path("name").asText()),
                        JSON.createObjectNode()
                                .put("type", spec.path("type").asText("direct"))
                                .put("durable", spec.path("durable").asBoolean(false))
                                .put("auto_delete", spec.path("autoDelete").asBoolean(false))
                                .set("arguments", arguments(spec))));
                case "Queue" -> {
                    ObjectNode arguments = arguments(spec);
                    if (spec.hasNonNull("type")) {
                        arguments.put("x-queue-type", spec.path("type").asText());
                    }
                    done.add(send("PUT", "/api/queues/" + encode(vhost) + "/" + encode(spec.path("name").asText()),
                            JSON.createObjectNode()
                                    .put("durable", spec.path("durable").asBoolean(false))
                                    .put("auto_delete", spec.path("autoDelete").asBoolean(false))
                                    .set("arguments", arguments)));
                }
                case "Binding" -> done.add(send("POST", "/api/bindings/" + encode(vhost) + "/e/" + encode(spec.path("source").asText())
                        + ("exchange".equals(spec.path("destinationType").asText()) ? "/e/" : "/q/") + encode(spec.path("destination").asText()),
                        JSON.createObjectNode().put("routing_key", spec.path("routingKey").asText("")).set("arguments", arguments(spec))));
                case "User" -> {
                    Credentials user = credentials(object, secrets);
                    done.add(send("PUT", "/api/users/" + encode(user.username()),
                            JSON.createObjectNode().put("password", user.password()).put("tags", String.join(",", tags(spec)))));
                }
                case "Permission" -> {
                    String username = spec.hasNonNull("user") ? spec.path("user").asText()
                            : credentials(definition.find("User", spec.at("/userReference/name").asText())
                                    .orElseThrow(() -> new IllegalArgumentException("Permission " + object.at("/metadata/name").asText()
                                            + " names User " + spec.at("/userReference/name").asText() + ", which the definition does not have")),
                                    secrets).username();
                    JsonNode permissions = spec.path("permissions");
                    done.add(send("PUT", "/api/permissions/" + encode(vhost) + "/" + encode(username), JSON.createObjectNode()
                            .put("configure", permissions.path("configure").asText(""))
                            .put("write", permissions.path("write").asText(""))
                            .put("read", permissions.path("read").asText(""))));
                }
                default -> throw new IllegalArgumentException("not a topology kind: " + object.path("kind").asText());
            }
        }
        return done;
    }

    private static Credentials credentials(ObjectNode user, Map<String, Credentials> secrets) {
        String secret = user.at("/spec/importCredentialsSecret/name").asText();
        Credentials credentials = secrets.get(secret);
        if (credentials == null) {
            throw new IllegalArgumentException("User " + user.at("/metadata/name").asText() + " imports its credentials from Secret "
                    + secret + ", which was not given (have: " + secrets.keySet() + ")");
        }
        return credentials;
    }

    private static List<String> tags(JsonNode spec) {
        List<String> tags = new ArrayList<>();
        spec.path("tags").forEach(tag -> tags.add(tag.asText()));
        return tags;
    }

    private static ObjectNode arguments(JsonNode spec) {
        return spec.path("arguments") instanceof ObjectNode arguments ? arguments.deepCopy() : JSON.createObjectNode();
    }

    private String send(String method, String path, ObjectNode body) {
        HttpRequest request = HttpRequest.newBuilder(management.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", authorization)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + ": the broker answered " + response.statusCode() + " " + response.body());
            }
            return method + " " + path;
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + ": cannot reach the management API at " + management + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + path, e);
        }
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
