package io.datapipe.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The units the edge policies compare: Gateway API durations, byte quantities, rate-limit rates. */
class EdgePoliciesTest {

    @Test
    void readsGatewayApiDurations() {
        assertThat(EdgePolicies.duration(TextNode.valueOf("50s"))).contains(Duration.ofSeconds(50));
        assertThat(EdgePolicies.duration(TextNode.valueOf("1h30m"))).contains(Duration.ofMinutes(90));
        assertThat(EdgePolicies.duration(TextNode.valueOf("1m500ms"))).contains(Duration.ofMillis(60_500));
        assertThat(EdgePolicies.duration(Yaml.JSON.missingNode())).isEmpty();
        assertThatThrownBy(() -> EdgePolicies.duration(TextNode.valueOf("10 s"))).hasMessageContaining("not a duration");
    }

    @Test
    void readsByteQuantities() {
        assertThat(EdgePolicies.bytes(TextNode.valueOf("64Ki"))).isEqualTo(65_536);
        assertThat(EdgePolicies.bytes(TextNode.valueOf("1Mi"))).isEqualTo(1_048_576);
        assertThat(EdgePolicies.bytes(TextNode.valueOf("64k"))).isEqualTo(64_000);
        assertThat(EdgePolicies.bytes(TextNode.valueOf("2M"))).isEqualTo(2_000_000);
        assertThat(EdgePolicies.bytes(IntNode.valueOf(65_536))).isEqualTo(65_536);
        assertThatThrownBy(() -> EdgePolicies.bytes(TextNode.valueOf("64KB"))).hasMessageContaining("not a byte quantity");
    }

    @Test
    void turnsALimitIntoRequestsPerSecond() throws Exception {
        assertThat(EdgePolicies.rate(Yaml.JSON.readTree("{\"limit\": {\"requests\": 50, \"unit\": \"Second\"}}"))).isEqualTo(50.0);
        assertThat(EdgePolicies.rate(Yaml.JSON.readTree("{\"limit\": {\"requests\": 600, \"unit\": \"Minute\"}}"))).isEqualTo(10.0);
    }
}
