package io.datapipe.generator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.datapipe.http.ApiException;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The id logic of {@link IdempotencyKeys} on its own: two instances stand for two generator replicas (or one
 * replica before and after a restart), which share nothing. Over HTTP and a broker: {@code DataResourceTest}.
 */
class IdempotencyKeysTest {

    private static final byte[] BODY = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

    private final List<IdempotencyKeys.Identity> published = new ArrayList<>();

    @Test
    void aRetryOnAnotherReplicaPublishesTheSameIdsAsTheFirstAttempt() {
        IdempotencyKeys first = replica();
        IdempotencyKeys other = replica();

        IdempotencyKeys.Accepted original = first.acceptOnce("alice", "order-7", BODY, 3, published::add);
        IdempotencyKeys.Accepted retry = other.acceptOnce("alice", "order-7", BODY, 3, published::add);

        assertThat(published).hasSize(2);
        assertThat(retry.identity().ids()).isEqualTo(original.identity().ids()).hasSize(3).doesNotHaveDuplicates();
        assertThat(retry.replayed()).as("the other replica has not answered this key before").isFalse();
    }

    @Test
    void aRetryOnTheSameReplicaIsReplayedWithoutPublishing() {
        IdempotencyKeys replica = replica();

        IdempotencyKeys.Accepted original = replica.acceptOnce("alice", "order-8", BODY, 1, published::add);
        IdempotencyKeys.Accepted retry = replica.acceptOnce("alice", "order-8", BODY, 1, published::add);

        assertThat(published).hasSize(1);
        assertThat(retry.replayed()).isTrue();
        assertThat(retry.identity()).isEqualTo(original.identity());
    }

    @Test
    void aRetryAfterAFailedAttemptPublishesTheSameIdsAgain() {
        IdempotencyKeys replica = replica();
        assertThatThrownBy(() -> replica.acceptOnce("alice", "order-9", BODY, 2, identity -> {
            published.add(identity);
            throw ApiException.serviceUnavailable("broker down", java.time.Duration.ofSeconds(5));
        })).isInstanceOf(ApiException.class);

        IdempotencyKeys.Accepted retry = replica.acceptOnce("alice", "order-9", BODY, 2, published::add);

        assertThat(published).hasSize(2);
        assertThat(published.get(1).ids()).isEqualTo(published.get(0).ids());
        assertThat(retry.replayed()).isFalse();
    }

    @Test
    void derivesOtherIdsForAnotherCallerKeyOrBody() {
        IdempotencyKeys replica = replica();
        UUID id = replica.acceptOnce("alice", "k", BODY, 1, published::add).identity().id();

        assertThat(List.of(replica().acceptOnce("bob", "k", BODY, 1, published::add).identity().id(),
                           replica().acceptOnce("alice", "k2", BODY, 1, published::add).identity().id(),
                           replica().acceptOnce("alice", "k", "{\"a\":2}".getBytes(StandardCharsets.UTF_8), 1,
                                                published::add).identity().id()))
                .doesNotContain(id)
                .doesNotHaveDuplicates();
    }

    @Test
    void mintsTimeOrderedIdsWithoutAKey() {
        IdempotencyKeys replica = replica();

        IdempotencyKeys.Identity identity = replica.acceptOnce("alice", null, BODY, 2, published::add).identity();

        assertThat(identity.ids()).allSatisfy(id -> assertThat(id.version()).isEqualTo(7));
        assertThat(replica.acceptOnce("alice", null, BODY, 2, published::add).identity().ids())
                .doesNotContainAnyElementsOf(identity.ids());
    }

    private static IdempotencyKeys replica() {
        GeneratorConfig config = new GeneratorConfig();
        config.confirmTimeoutMs = 1000;
        config.idempotencyWindowSeconds = 60;
        config.idempotencyMaxKeys = 100;
        return new IdempotencyKeys(config);
    }
}
