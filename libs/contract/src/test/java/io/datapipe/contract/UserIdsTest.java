package io.datapipe.contract;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class UserIdsTest {

    @ParameterizedTest
    @ValueSource(strings = {"alice", "auth0|5f7c8ec7c33c6c004bbafe82", "google-oauth2|1234567890",
            "3f1c7a3e-8c1e-4b7e-9a55-0a7d4c4f4b21", "bob.smith+test@example.com"})
    void acceptsCommonSubjects(String sub) {
        assertThat(UserIds.isValid(sub)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "alice\n", "alice\u0000", "<script>", "ali'ce", "élodie"})
    void refusesOthers(String sub) {
        assertThat(UserIds.isValid(sub)).isFalse();
    }

    @org.junit.jupiter.api.Test
    void boundsTheLength() {
        assertThat(UserIds.isValid("a".repeat(UserIds.MAX_LENGTH))).isTrue();
        assertThat(UserIds.isValid("a".repeat(UserIds.MAX_LENGTH + 1))).isFalse();
        assertThat(UserIds.isValid(null)).isFalse();
    }
}
