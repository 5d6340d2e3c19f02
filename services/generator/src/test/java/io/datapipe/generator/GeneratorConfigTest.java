package io.datapipe.generator;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The settings that must agree with each other, checked when the generator starts. */
class GeneratorConfigTest {

    @Test
    void acceptsABatchThatFitsAmongTheRecordsThatMayWait() {
        GeneratorConfig config = config(500, 2048);

        config.validate();

        assertThat(config.maxWaitingRecords()).isEqualTo(2048);
        config(4, 4).validate();
    }

    @Test
    void refusesABatchLargerThanTheRecordsThatMayWaitNamingBothKeys() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(500, 499).validate())
                .withMessageContaining("datapipe.generator.batch.max-records (500)")
                .withMessageContaining("datapipe.publish.max-waiting-records (499)");
    }

    @Test
    void refusesNoRoomForRecordsAtAll() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> config(1, 0).validate())
                .withMessageContaining("datapipe.publish.max-waiting-records must be positive");
    }

    private static GeneratorConfig config(int batchMaxRecords, int maxWaitingRecords) {
        GeneratorConfig config = new GeneratorConfig();
        config.batchMaxRecords = batchMaxRecords;
        config.maxWaitingRecords = maxWaitingRecords;
        return config;
    }
}
