package io.datapipe.generator;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A request body that passed the checks: the bytes as received and the JSON object they hold.
 *
 * @param bytes the body
 * @param json  the parsed object
 */
public record Payload(byte[] bytes, ObjectNode json) {
}
