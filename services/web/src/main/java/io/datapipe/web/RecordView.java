package io.datapipe.web;

import java.time.Instant;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * One record as the API shows it.
 *
 * @param id          the record id
 * @param payload     the JSON object that was posted
 * @param receivedAt  when the generator accepted it
 * @param persistedAt when the persister stored it
 */
public record RecordView(UUID id,
                         @JsonRawValue String payload,
                         Instant receivedAt,
                         Instant persistedAt) {
}
