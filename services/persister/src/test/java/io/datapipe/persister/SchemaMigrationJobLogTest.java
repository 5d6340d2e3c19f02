package io.datapipe.persister;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.datapipe.store.SchemaMigration;
import io.datapipe.testsupport.MainProcess;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The release's migration Job runs {@link SchemaMigration#main} from the persister's jar: its log is the
 * persister's, one JSON object per line, so that the reason a release failed is found and parsed like every
 * other service line (libs/record-store tests what it migrates).
 */
class SchemaMigrationJobLogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFailedMigrationLogsItsReasonAsJsonLines() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }

        MainProcess run = MainProcess.runWithoutTestClasses(SchemaMigration.class,
                                                            Map.of("DATAPIPE_DB_URL", "jdbc:postgresql://127.0.0.1:" + closedPort + "/datapipe",
                                                                   "DATAPIPE_DB_USER", "datapipe", "DATAPIPE_DB_PASSWORD", ""),
                                                            Duration.ofSeconds(60));

        assertThat(run.status()).as(run.output()).isEqualTo(1);
        List<String> lines = run.output().lines().filter(line -> !line.isBlank()).toList();
        assertThat(lines).as(run.output()).isNotEmpty();
        for (String line : lines) {
            assertThat(line).as("every line a JSON object").startsWith("{");
        }
        JsonNode failure = JSON.readTree(lines.stream().filter(line -> line.contains("not migrated")).findFirst().orElseThrow());
        assertThat(failure.get("level").asText()).isEqualTo("SEVERE");
        assertThat(failure.get("logger").asText()).isEqualTo(SchemaMigration.class.getName());
        assertThat(failure.get("message").asText()).contains("database schema not migrated").contains("127.0.0.1:" + closedPort);
        assertThat(failure.get("exception").asText()).contains("FlywaySqlUnableToConnectToDbException");
    }
}
