package io.datapipe.contract;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.datapipe.contract.InvalidJsonException.Reason;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RecordCodecTest {

    private final RecordCodec codec = RecordCodec.standard();

    @Test
    void roundTrips() throws Exception {
        ObjectNode payload = new BoundedJson(JsonLimits.PAYLOAD)
                .parseObject("{\"informationOne\":\"aaa23\",\"informationTwo\":\"bbb24\"}".getBytes(StandardCharsets.UTF_8));
        RecordMessage message = new RecordMessage(RecordIds.next(), "alice", payload,
                                                  Instant.now().truncatedTo(ChronoUnit.MILLIS));

        byte[] body = codec.encode(message);

        assertThat(codec.decode(body)).isEqualTo(message);
        assertThat(new String(body, StandardCharsets.UTF_8))
                .startsWith("{\"id\":\"" + message.id() + "\",\"userId\":\"alice\",\"payload\":{\"informationOne\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"userId\":\"alice\",\"payload\":{},\"receivedAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"id\":\"nope\",\"userId\":\"alice\",\"payload\":{},\"receivedAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"id\":\"0190b6a0-0000-7000-8000-000000000000\",\"payload\":{},\"receivedAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"id\":\"0190b6a0-0000-7000-8000-000000000000\",\"userId\":\"a b\",\"payload\":{},\"receivedAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"id\":\"0190b6a0-0000-7000-8000-000000000000\",\"userId\":\"alice\",\"payload\":[],\"receivedAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"id\":\"0190b6a0-0000-7000-8000-000000000000\",\"userId\":\"alice\",\"receivedAt\":\"2026-01-01T00:00:00Z\"}",
            "{\"id\":\"0190b6a0-0000-7000-8000-000000000000\",\"userId\":\"alice\",\"payload\":{},\"receivedAt\":\"yesterday\"}",
            "{\"id\":\"0190b6a0-0000-7000-8000-000000000000\",\"userId\":\"alice\",\"payload\":{},\"receivedAt\":17}",
    })
    void refusesBodiesThatBreakTheSchema(String body) {
        assertThatThrownBy(() -> codec.decode(body.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SCHEMA));
    }

    @Test
    void refusesBodiesThatAreNotJson() {
        assertThatThrownBy(() -> codec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(InvalidJsonException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
    }
}
