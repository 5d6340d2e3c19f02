package io.datapipe.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RecordIdsTest {

    @Test
    void mintsVersion7IdsInCreationOrder() {
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(RecordIds.next());
        }
        assertThat(ids).allSatisfy(id -> assertThat(id.version()).isEqualTo(7));
        assertThat(ids).doesNotHaveDuplicates();
        // Version 7 ids compare as unsigned 128-bit numbers in creation order; their canonical text
        // sorts the same way.
        assertThat(ids.stream().map(UUID::toString).toList()).isSorted();
    }

    @Test
    void parsesOnlyTheCanonicalForm() {
        UUID id = RecordIds.next();
        assertThat(RecordIds.parse(id.toString())).contains(id);
        assertThat(RecordIds.parse(id.toString().toUpperCase())).contains(id);
        assertThat(RecordIds.parse("1-1-1-1-1")).isEmpty();
        assertThat(RecordIds.parse(id + " ")).isEmpty();
        assertThat(RecordIds.parse("")).isEmpty();
        assertThat(RecordIds.parse(null)).isEmpty();
    }
}
