package io.datapipe.messaging.rabbitmq;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The keys are declared once, in {@link ConnectorAttribute}; defaults convert to their types; the README shows them. */
class ConnectorAttributeTest {

    @Test
    void everyDefaultIsTheValueOfAnUnsetKey() {
        var empty = Channels.config(Map.of());
        for (ConnectorAttribute attribute : ConnectorAttribute.values()) {
            assertThat(attribute.read(empty).map(String::valueOf)).as(attribute.key()).isEqualTo(attribute.defaultValue());
        }
    }

    @Test
    void aSetKeyWinsOverItsDefault() {
        var config = Channels.config(Map.of("prefetch", "7", "tls", "true"));
        assertThat(ConnectorAttribute.PREFETCH.<Integer>require(config)).isEqualTo(7);
        assertThat(ConnectorAttribute.TLS.<Boolean>require(config)).isTrue();
    }

    @Test
    void theReadmeTableIsGeneratedFromTheAttributes() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        assertThat(readme).as("README.md must hold this table, generated from ConnectorAttribute:%n%s",
                              ConnectorAttribute.markdownTable())
                .contains(ConnectorAttribute.markdownTable());
    }
}
