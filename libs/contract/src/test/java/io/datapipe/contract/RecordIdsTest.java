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
    void derivesTheSameIdFromTheSameKeyedRequestAndAnotherFromAnyOtherPart() {
        byte[] digest = new byte[32];
        UUID id = RecordIds.keyed("alice", "order-1", digest, 0);

        assertThat(id.version()).isEqualTo(5);
        assertThat(RecordIds.keyed("alice", "order-1", digest.clone(), 0)).isEqualTo(id);
        byte[] otherBody = digest.clone();
        otherBody[31] = 1;
        assertThat(List.of(RecordIds.keyed("bob", "order-1", digest, 0),
                           RecordIds.keyed("alice", "order-2", digest, 0),
                           RecordIds.keyed("alice", "order-1", otherBody, 0),
                           RecordIds.keyed("alice", "order-1", digest, 1),
                           // the parts are length-prefixed: moving a character from one to the other changes the name
                           RecordIds.keyed("alice1", "order-", digest, 0)))
                .doesNotContain(id)
                .doesNotHaveDuplicates();
    }

    @Test
    void keepsKeyedIdsStableAcrossReleases() {
        // Replicas of two releases run side by side during a rollout: a retry must get the same id from either.
        // The value is RFC 9562 version 5 computed independently (SHA-1 of the namespace and the name).
        assertThat(RecordIds.keyed("alice", "order-1", new byte[32], 0))
                .isEqualTo(UUID.fromString("9eafd22b-16f7-53b9-89d3-4c9a307a54db"));
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
