package io.datapipe.web;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.datapipe.contract.RecordIds;
import io.datapipe.testsupport.OpenApiDocuments;
import io.datapipe.testsupport.RawHttp;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestTokens;
import io.helidon.microprofile.testing.junit5.Configuration;
import io.helidon.microprofile.testing.junit5.HelidonTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Inject;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** GET /data through real HTTP and real signed tokens, against a real database of its own. */
@HelidonTest
@Configuration(useExisting = true)
class DataResourceTest {

    private static final TestTokens TOKENS = TestTokens.get();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ALICE_RECORDS = 23;
    private static final int MAX_PAGE_CHARS = 3_000;
    private static final List<UUID> CAROL_NEWEST_FIRST = new ArrayList<>();
    private static final List<UUID> DAVE_NEWEST_FIRST = new ArrayList<>();
    private static TestDatabase database;
    private static final List<UUID> ALICE_NEWEST_FIRST = new ArrayList<>();
    private static UUID bobsRecord;

    @Inject
    private WebTarget target;

    @BeforeAll
    static void configure() {
        database = WebUnderTest.configure("web", Map.of("datapipe.web.cursor-secret", "a-cursor-secret-for-tests-of-32-bytes+",
                                                        // alice's pages stay far below it; carol's 1 000-character records reach it
                                                        "datapipe.web.max-page-bytes", Integer.toString(MAX_PAGE_CHARS)));
    }

    @AfterAll
    static void cleanUp() {
        WebUnderTest.release(database);
    }

    @BeforeEach
    void seed() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> target.path("/health/ready").request().get().getStatus() == 200);
        if (!ALICE_NEWEST_FIRST.isEmpty()) {
            return;
        }
        Instant base = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(3600);
        try (Connection connection = database.connect();
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO data_record (id, user_id, payload, received_at) VALUES (?, ?, CAST(? AS jsonb), ?)")) {
            for (int i = 0; i < ALICE_RECORDS; i++) {
                UUID id = RecordIds.next();
                // Three records share each timestamp, so the id has to break ties.
                insert(insert, id, "alice", "{\"n\":" + i + "}", base.plusMillis(i / 3));
                ALICE_NEWEST_FIRST.add(0, id);
            }
            bobsRecord = RecordIds.next();
            insert(insert, bobsRecord, "bob", "{\"secret\":\"bob's\"}", base.plusSeconds(10));
            for (int i = 0; i < 40; i++) {
                UUID id = RecordIds.next();
                insert(insert, id, "carol", "{\"text\":\"" + "c".repeat(1_000) + "\"}", base.plusMillis(i));
                CAROL_NEWEST_FIRST.add(0, id);
            }
            for (int i = 0; i < 130; i++) {
                UUID id = RecordIds.next();
                insert(insert, id, "dave", "{\"n\":" + i + "}", base.plusMillis(i));
                DAVE_NEWEST_FIRST.add(0, id);
            }
        }
    }

    @Test
    void listsTheCallersRecordsNewestFirstAcrossPagesExactlyOnce() throws Exception {
        List<UUID> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            WebTarget page = target.path("/data").queryParam("limit", 5);
            if (cursor != null) {
                page = page.queryParam("cursor", cursor);
            }
            JsonNode body = JSON.readTree(get(page, TOKENS.token("alice", "data.read")).readEntity(String.class));
            for (JsonNode item : body.get("items")) {
                seen.add(UUID.fromString(item.get("id").asText()));
                assertThat(item.get("payload").isObject()).isTrue();
                assertThat(item.get("receivedAt").asText()).endsWith("Z");
                assertThat(item.get("persistedAt").asText()).endsWith("Z");
            }
            cursor = body.get("nextCursor").isNull() ? null : body.get("nextCursor").asText();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(5);
        assertThat(seen).containsExactlyElementsOf(ALICE_NEWEST_FIRST);
    }

    @Test
    void endsAPageOnceItsPayloadsReachTheByteBoundAndLosesNothingAcrossPages() throws Exception {
        List<JsonNode> pages = walk("carol", 500);
        List<UUID> seen = new ArrayList<>();
        for (JsonNode page : pages) {
            assertThat(page.get("items").size()).as("records of about 1 000 characters under a bound of 3 000").isBetween(1, 3);
            page.get("items").forEach(item -> seen.add(UUID.fromString(item.get("id").asText())));
        }
        assertThat(seen).containsExactlyElementsOf(CAROL_NEWEST_FIRST);
    }

    @Test
    void servesALargePageReadInChunks() throws Exception {
        List<JsonNode> whole = walk("dave", 500);
        assertThat(whole).hasSize(1);
        assertThat(whole.get(0).get("items")).hasSize(DAVE_NEWEST_FIRST.size());

        List<JsonNode> two = walk("dave", 120);
        assertThat(two.stream().map(page -> page.get("items").size()).toList()).containsExactly(120, 10);
        List<UUID> seen = new ArrayList<>();
        two.forEach(page -> page.get("items").forEach(item -> seen.add(UUID.fromString(item.get("id").asText()))));
        assertThat(seen).containsExactlyElementsOf(DAVE_NEWEST_FIRST);
    }

    /** Every page of the user's records at this limit, following nextCursor to the end. */
    private List<JsonNode> walk(String user, int limit) throws Exception {
        List<JsonNode> pages = new ArrayList<>();
        String cursor = null;
        do {
            WebTarget page = target.path("/data").queryParam("limit", limit);
            if (cursor != null) {
                page = page.queryParam("cursor", cursor);
            }
            JsonNode body = JSON.readTree(get(page, TOKENS.token(user, "data.read")).readEntity(String.class));
            pages.add(body);
            cursor = body.get("nextCursor").isNull() ? null : body.get("nextCursor").asText();
        } while (cursor != null && pages.size() < 1_000);
        return pages;
    }

    @Test
    void servesTheDefaultPageSizeAndOneRecord() throws Exception {
        JsonNode list = JSON.readTree(get(target.path("/data"), TOKENS.token("alice", "data.read")).readEntity(String.class));
        assertThat(list.get("items")).hasSize(ALICE_RECORDS);
        assertThat(list.get("nextCursor").isNull()).isTrue();

        UUID newest = ALICE_NEWEST_FIRST.get(0);
        Response one = get(target.path("/data/" + newest), TOKENS.token("alice", "data.read"));
        assertThat(one.getStatus()).isEqualTo(200);
        JsonNode record = JSON.readTree(one.readEntity(String.class));
        assertThat(record.get("id").asText()).isEqualTo(newest.toString());
        assertThat(record.get("payload").get("n").asInt()).isEqualTo(ALICE_RECORDS - 1);
    }

    @Test
    void neverShowsOneUsersRecordsToAnother() throws Exception {
        String bob = TOKENS.token("bob", "data.read");
        JsonNode bobsList = JSON.readTree(get(target.path("/data"), bob).readEntity(String.class));
        assertThat(bobsList.get("items")).hasSize(1);
        assertThat(bobsList.get("items").get(0).get("id").asText()).isEqualTo(bobsRecord.toString());

        // Alice's record by id: 404, exactly as for an id that does not exist.
        assertProblem(get(target.path("/data/" + ALICE_NEWEST_FIRST.get(0)), bob), 404);
        assertProblem(get(target.path("/data/" + RecordIds.next()), bob), 404);
        assertProblem(get(target.path("/data/" + bobsRecord), TOKENS.token("alice", "data.read")), 404);

        // Alice's cursor in Bob's hands: refused, not a window into Alice's records.
        JsonNode alicePage = JSON.readTree(get(target.path("/data").queryParam("limit", 5), TOKENS.token("alice", "data.read"))
                                                   .readEntity(String.class));
        String alicesCursor = alicePage.get("nextCursor").asText();
        assertProblem(get(target.path("/data").queryParam("cursor", alicesCursor), bob), 400);

        // Query parameters that other APIs honour change nothing here.
        JsonNode sneaky = JSON.readTree(get(target.path("/data").queryParam("userId", "alice").queryParam("user", "alice"),
                                            bob).readEntity(String.class));
        assertThat(sneaky.get("items")).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-cursor", "AQAGYUwsLeUwAaIfycYefCu_faZ7XDt3x20mqTOmWYHun2uaQhloFbk", "", "%00"})
    void refusesACursorItDidNotIssue(String cursor) {
        assertProblem(get(target.path("/data").queryParam("cursor", cursor), TOKENS.token("alice", "data.read")), 400);
    }

    @Test
    void refusesATamperedCursor() throws Exception {
        JsonNode page = JSON.readTree(get(target.path("/data").queryParam("limit", 5), TOKENS.token("alice", "data.read"))
                                              .readEntity(String.class));
        char[] cursor = page.get("nextCursor").asText().toCharArray();
        cursor[5] = cursor[5] == 'A' ? 'B' : 'A';
        assertProblem(get(target.path("/data").queryParam("cursor", new String(cursor)), TOKENS.token("alice", "data.read")), 400);
    }

    @Test
    void servesTheConsolesConfigurationWithoutATokenAndNeverCached() throws Exception {
        Response response = target.path("/config.json").request(MediaType.APPLICATION_JSON).get();

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(response.getMediaType().toString()).isEqualTo("application/json");
        assertThat(response.getHeaderString("Cache-Control")).isEqualTo("no-store");
        JsonNode page = JSON.readTree(response.readEntity(String.class));
        assertThat(page.path("roles").path("read").asText()).isEqualTo("data.read");
        assertThat(page.path("postUrl").asText()).endsWith("/data");
        assertThat(target.path("/config.json").request().head().getStatus()).isEqualTo(200);
    }

    @ParameterizedTest
    // A sign, and digits of other scripts (\u0665 is an Arabic-Indic five), are not the whole number the API documents,
    // though Integer.parseInt takes them.
    @ValueSource(strings = {"0", "501", "-1", "ten", "1e3", "+5", "\u0665", "05 "})
    void refusesALimitOutOfRange(String limit) {
        assertProblem(get(target.path("/data").queryParam("limit", limit), TOKENS.token("alice", "data.read")), 400);
    }

    @Test
    void refusesAMalformedId() {
        assertProblem(get(target.path("/data/1-1-1-1-1"), TOKENS.token("alice", "data.read")), 400);
    }

    @Test
    void requiresAValidTokenWithTheReadRole() {
        assertProblem(target.path("/data").request().get(), 401);
        assertProblem(get(target.path("/data"), TestTokens.stranger().token("alice", "data.read")), 401);
        assertProblem(get(target.path("/data"), TOKENS.token("alice", "data.write")), 403);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> jwtAttacks() {
        return io.datapipe.testsupport.JwtAttacks.all(TOKENS, "data.read").entrySet().stream()
                .map(attack -> org.junit.jupiter.params.provider.Arguments.of(attack.getKey(), attack.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("jwtAttacks")
    void refusesHostileTokens(String attack, String token) {
        Response response = get(target.path("/data"), token);
        assertThat(response.getStatus()).isEqualTo(401);
        assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
        assertThat(response.getHeaderString("WWW-Authenticate")).startsWith("Bearer");
        assertThat(response.readEntity(String.class)).doesNotContain(token).doesNotContain("bob's");
    }

    @Test
    void refusesHostileQueriesAndStaysHealthy() throws Exception {
        String alice = TOKENS.token("alice", "data.read");
        assertProblem(get(target.path("/data").queryParam("limit", "99999999999999999999"), alice), 400);
        assertProblem(get(target.path("/data").queryParam("cursor", "A".repeat(3_000)), alice), 400);
        // Past the server's 4 KiB request line the server itself refuses, before any application code, and
        // closes without reading the rest: sent over a plain socket, so the answer is read whatever the timing.
        byte[] longLine = RawHttp.request("GET", target.getUri(), "/data?cursor=" + "A".repeat(8_000),
                Map.of("Authorization", "Bearer " + alice), new byte[0]);
        assertThat(RawHttp.status(target.getUri(), longLine, Duration.ofSeconds(10))).isEqualTo(414);
        assertProblem(get(target.path("/data").queryParam("cursor", "' OR 1=1 --"), alice), 400);
        assertProblem(get(target.path("/data/" + "' OR 1=1 --"), alice), 400);
        assertThat(target.path("/health/live").request().get().getStatus()).isEqualTo(200);
    }

    @Test
    void answersAPathNoEndpointServesWithAProblem() {
        for (String path : new String[] {"/nope", "/health/nope", "/data-x"}) {
            Response response = target.path(path).request().get();

            assertProblem(response, 404);
        }
    }

    @Test
    void refusesOtherMethodsAndOtherMediaTypes() {
        String alice = TOKENS.token("alice", "data.read");
        for (WebTarget path : List.of(target.path("/data"), target.path("/data/" + ALICE_NEWEST_FIRST.get(0)))) {
            Response post = path.request().header("Authorization", "Bearer " + alice)
                    .post(jakarta.ws.rs.client.Entity.json("{}"));
            assertThat(post.getHeaderString("Allow")).isEqualTo("GET,OPTIONS");
            assertProblem(post, 405);
            Response options = path.request().options();
            assertThat(options.getStatus()).isEqualTo(200);
            assertThat(options.getHeaderString("Allow")).isEqualTo("GET,OPTIONS");
            assertProblem(path.request("application/xml").header("Authorization", "Bearer " + alice).get(), 406);
            // As JAX-RS matched the media type first: 406 before the token is looked at.
            assertProblem(path.request("application/xml").get(), 406);
        }
    }

    @Test
    void answersWithTheRateLimitAndCountsEachRouteUnderItsTemplate() {
        Response page = get(target.path("/data"), TOKENS.token("alice", "data.read"));
        assertThat(page.getStatus()).isEqualTo(200);
        assertThat(page.getMediaType().toString()).isEqualTo("application/json");
        assertThat(page.getHeaderString("RateLimit-Limit")).isNotNull();
        assertThat(get(target.path("/data/" + ALICE_NEWEST_FIRST.get(0)), TOKENS.token("alice", "data.read")).getStatus())
                .isEqualTo(200);

        String metrics = target.path("/metrics").request().get(String.class);
        assertThat(metrics).contains("http_server_request_duration_seconds_count{http_request_method=\"GET\","
                                     + "http_response_status_code=\"200\",http_route=\"/data\",mp_scope=\"application\",}")
                .contains("http_server_request_duration_seconds_count{http_request_method=\"GET\","
                          + "http_response_status_code=\"200\",http_route=\"/data/{id}\",mp_scope=\"application\",}");
    }

    @Test
    void servesHealthMetricsAndOpenApi() {
        assertThat(target.path("/health/ready").request().get(String.class)).contains("\"database\"");
        assertThat(target.path("/health/live").request().get().getStatus()).isEqualTo(200);
        assertThat(target.path("/metrics").request().get().getStatus()).isEqualTo(200);
        JsonNode openApi = target.path("/openapi").request(MediaType.APPLICATION_JSON).get(JsonNode.class);
        assertThat(openApi.path("paths").has("/data/{id}")).isTrue();
        assertThat(OpenApiDocuments.unresolvedReferences(openApi)).isEmpty();
        assertThat(openApi.at("/components/schemas/Problem/properties/status/type").asText()).as("the shared Problem schema").isEqualTo("integer");
        String version = openApi.path("info").path("version").asText();
        assertThat(version).as("the build's version, not a literal").matches("\\d+\\.\\d+\\.\\d+.*")
                .isEqualTo(ConfigProvider.getConfig().getValue("datapipe.version", String.class));
        JsonNode limit = null;
        for (JsonNode parameter : openApi.path("paths").path("/data").path("get").path("parameters")) {
            if (parameter.path("name").asText().equals("limit")) {
                limit = parameter.path("schema");
            }
        }
        assertThat(limit).as("GET /data's limit").isNotNull();
        assertThat(limit.path("maximum").asInt()).as("datapipe.web.max-limit")
                .isEqualTo(ConfigProvider.getConfig().getValue("datapipe.web.max-limit", Integer.class));
        assertThat(limit.path("default").asInt()).as("datapipe.web.default-limit")
                .isEqualTo(ConfigProvider.getConfig().getValue("datapipe.web.default-limit", Integer.class));
    }

    private static Response get(WebTarget target, String token) {
        return target.request().header("Authorization", "Bearer " + token).get();
    }

    private static void assertProblem(Response response, int status) {
        assertThat(response.getStatus()).isEqualTo(status);
        assertThat(response.getMediaType().toString()).isEqualTo("application/problem+json");
        assertThat(response.readEntity(String.class)).contains("\"status\":" + status).doesNotContain("bob's");
    }

    private static void insert(PreparedStatement insert, UUID id, String user, String payload, Instant receivedAt)
            throws Exception {
        insert.setObject(1, id);
        insert.setString(2, user);
        insert.setString(3, payload);
        insert.setTimestamp(4, Timestamp.from(receivedAt));
        insert.executeUpdate();
    }
}
