package io.datapipe.messaging.rabbitmq;

import java.util.Optional;

/**
 * A snapshot of one messaging channel's link to the broker, for health checks and operators.
 *
 * @param channel   the MicroProfile messaging channel name
 * @param direction {@code incoming} or {@code outgoing}
 * @param state     where the link stands
 * @param lastError the last connection or channel error, when there was one
 */
public record ChannelStatus(String channel, String direction, ChannelState state, Optional<String> lastError) {

    /**
     * Whether the channel can carry messages now.
     *
     * @return {@code true} when connected
     */
    public boolean isUp() {
        return state == ChannelState.UP;
    }
}
