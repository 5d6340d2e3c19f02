package io.datapipe.web;

import java.util.HashMap;
import java.util.Map;

import io.datapipe.testsupport.TestConfig;
import io.datapipe.testsupport.TestDatabase;
import io.datapipe.testsupport.TestPostgres;
import io.datapipe.testsupport.TestTokens;

/**
 * The configuration of a test class's web (a {@code @HelidonTest} with {@code @Configuration(useExisting = true)}):
 * a database of its own, whose schema web migrates this once (the test database starts empty), and the test
 * tokens' key.
 */
final class WebUnderTest {

    private WebUnderTest() {
    }

    /**
     * Creates the database and registers the configuration; call from {@code @BeforeAll}.
     *
     * @param purpose what the test is about, in the database's name
     * @param extra   further settings
     * @return the database, for {@link #release(TestDatabase)}
     */
    static TestDatabase configure(String purpose, Map<String, String> extra) {
        TestDatabase database = TestPostgres.get().createDatabase(purpose);
        Map<String, String> config = new HashMap<>(database.serviceConfig());
        config.putAll(TestTokens.get().serviceConfig());
        config.put("datapipe.db.migrate", "true");
        config.putAll(extra);
        TestConfig.register(config);
        return database;
    }

    /** Releases the configuration and drops the database; call from {@code @AfterAll}. */
    static void release(TestDatabase database) {
        TestConfig.release();
        database.close();
    }
}
