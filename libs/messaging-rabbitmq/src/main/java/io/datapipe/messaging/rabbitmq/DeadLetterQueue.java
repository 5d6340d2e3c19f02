package io.datapipe.messaging.rabbitmq;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Operations on the dead-letter queue of an incoming channel: look at what is there and why, and
 * replay messages to the work queue once whatever made them fail is fixed. Get one from
 * {@link DeadLetterQueues}.
 */
public interface DeadLetterQueue {

    /** @return the dead-letter queue's name */
    String name();

    /** @return the work queue replayed messages go to */
    String workQueue();

    /**
     * Looks at the oldest messages without removing them.
     *
     * @param limit at most this many
     * @return the queue depth and the messages
     * @throws IOException when the broker cannot be reached
     */
    Peek peek(int limit) throws IOException;

    /**
     * Moves the oldest messages back to the work queue, each one confirmed there before it is removed
     * from the dead-letter queue. Their retry count starts again; their failure headers stay, for history.
     *
     * @param limit at most this many
     * @return how many were moved
     * @throws IOException when the broker cannot be reached or does not confirm
     */
    int replay(int limit) throws IOException;

    /**
     * A dead-lettered message, without its body.
     *
     * @param messageId its message id
     * @param headers   its headers, among them the {@link FailureHeaders}
     * @param bodyBytes the size of its body
     */
    record DeadLetter(Optional<String> messageId, Map<String, String> headers, int bodyBytes) {
    }

    /**
     * Messages in the queue and the first few of them, left where they are.
     *
     * @param depth    messages in the queue
     * @param messages the first messages, oldest first
     */
    record Peek(long depth, List<DeadLetter> messages) {
    }
}
