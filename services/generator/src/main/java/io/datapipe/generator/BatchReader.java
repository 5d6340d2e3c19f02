package io.datapipe.generator;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.datapipe.contract.InvalidJsonException;
import io.datapipe.http.ApiException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

/**
 * Reads the body of {@code POST /data/batch}: one JSON array of at most
 * {@code datapipe.generator.batch.max-records} (500) objects, at most
 * {@code datapipe.generator.batch.max-body-bytes} (1 MiB) in all. Each element is cut from the body as the
 * bytes it was sent as and held to exactly the checks of a single record ({@link PayloadReader}: 64 KiB,
 * depth, members, strings, what {@code jsonb} can store). Any refused element refuses the whole batch, with
 * the index and reason of every refused element.
 */
@ApplicationScoped
public class BatchReader {

    private final int maxBytes;
    private final int maxRecords;
    private final PayloadReader records;
    private final JsonFactory array;

    @Inject
    BatchReader(@ConfigProperties GeneratorConfig config, PayloadReader records) {
        this.maxBytes = config.batchMaxBodyBytes();
        this.maxRecords = config.batchMaxRecords();
        this.records = records;
        // Only finds where each element starts and ends; the elements' own checks come after. One level
        // deeper than a record may nest, for the array around it; member names as long as the body allows
        // (the record's check says which is too long).
        this.array = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                                               .maxNestingDepth(records.nestingLimit() + 1)
                                               .maxNameLength(maxBytes)
                                               .build())
                .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                .recyclerPool(JsonRecyclerPools.sharedBoundedPool())
                .build();
    }

    /**
     * Reads and checks a batch.
     *
     * @param body          the request body
     * @param contentLength the declared length, or {@code null}
     * @return the body as received and its records, in order
     * @throws ApiException 413 when the body is too large, 400 when it is not an array of acceptable objects
     */
    public Batch read(InputStream body, String contentLength) {
        byte[] bytes = PayloadReader.readBody(body, contentLength, maxBytes);
        List<ObjectNode> accepted = new ArrayList<>();
        List<Map<String, Object>> refused = new ArrayList<>();
        int index = 0;
        boolean inRecord = false;
        try (JsonParser parser = array.createParser(bytes)) {
            if (parser.nextToken() != JsonToken.START_ARRAY) {
                throw ApiException.badRequest("NOT_AN_ARRAY", "the body must be one JSON array of record objects");
            }
            for (JsonToken token = parser.nextToken(); token != JsonToken.END_ARRAY; token = parser.nextToken(), index++) {
                if (index == maxRecords) {
                    throw ApiException.badRequest("TOO_MANY_RECORDS", "a batch holds at most " + maxRecords + " records");
                }
                int start = (int) parser.currentTokenLocation().getByteOffset();
                inRecord = true;
                parser.skipChildren();
                inRecord = false;
                if (token != JsonToken.START_OBJECT) {
                    refused.add(refusal(index, InvalidJsonException.Reason.NOT_AN_OBJECT.name(), "expected a JSON object"));
                    continue;
                }
                int end = (int) parser.currentLocation().getByteOffset();
                check(Arrays.copyOfRange(bytes, start, end), index, accepted, refused);
            }
            if (parser.nextToken() != null) {
                throw ApiException.badRequest("MALFORMED", "the body has content after the array");
            }
        } catch (StreamConstraintsException e) {
            throw invalid(refused, refusal(index, InvalidJsonException.Reason.TOO_DEEP.name(),
                                           "a record is nested deeper than " + records.nestingLimit() + " levels"));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at byte " + e.getLocation().getByteOffset();
            if (inRecord) {
                // The records after a broken one cannot be found.
                throw invalid(refused, refusal(index, InvalidJsonException.Reason.MALFORMED.name(), "not well-formed JSON" + where));
            }
            throw ApiException.badRequest("MALFORMED", "the body is not a well-formed JSON array" + where);
        } catch (IOException e) {
            throw ApiException.badRequest("UNREADABLE_BODY", "the request body could not be read");
        }
        if (!refused.isEmpty()) {
            throw invalid(refused, null);
        }
        if (accepted.isEmpty()) {
            throw ApiException.badRequest("EMPTY_BATCH", "a batch holds at least one record");
        }
        return new Batch(bytes, List.copyOf(accepted));
    }

    private void check(byte[] element, int index, List<ObjectNode> accepted, List<Map<String, Object>> refused) {
        if (element.length > records.maxRecordBytes()) {
            refused.add(refusal(index, InvalidJsonException.Reason.TOO_LARGE.name(),
                                "a record must not exceed " + records.maxRecordBytes() + " bytes"));
            return;
        }
        try {
            accepted.add(records.parseRecord(element));
        } catch (InvalidJsonException e) {
            refused.add(refusal(index, e.reason().name(), e.getMessage()));
        }
    }

    private static Map<String, Object> refusal(int index, String reason, String detail) {
        Map<String, Object> refusal = new LinkedHashMap<>();
        refusal.put("index", index);
        refusal.put("reason", reason);
        refusal.put("detail", detail);
        return refusal;
    }

    private static ApiException invalid(List<Map<String, Object>> refused, Map<String, Object> last) {
        List<Map<String, Object>> all = new ArrayList<>(refused);
        if (last != null) {
            all.add(last);
        }
        List<Object> indexes = all.stream().map(r -> r.get("index")).toList();
        ApiException problem = ApiException.badRequest("INVALID_RECORDS",
                                                       "the batch was refused whole, nothing was published: records "
                                                               + indexes + " are not acceptable");
        return new ApiException(problem.problem().with("errors", all));
    }

    /**
     * A batch that passed the checks.
     *
     * @param bytes   the body as received
     * @param records its records, in order
     */
    public record Batch(byte[] bytes, List<ObjectNode> records) {
    }
}
