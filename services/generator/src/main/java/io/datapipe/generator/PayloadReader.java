package io.datapipe.generator;

import java.io.IOException;
import java.io.InputStream;

import io.datapipe.contract.BoundedJson;
import io.datapipe.contract.InvalidJsonException;
import io.datapipe.contract.JsonLimits;
import io.datapipe.http.ApiException;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

/**
 * Reads a record payload from a request body: at most {@code datapipe.generator.max-body-bytes}
 * (64 KiB), one JSON object within the payload limits. Never reads more than the limit, whatever the
 * client claims or sends.
 */
@ApplicationScoped
public class PayloadReader {

    private final int maxBytes;
    private final BoundedJson json;

    @Inject
    PayloadReader(@ConfigProperties GeneratorConfig config) {
        this.maxBytes = config.maxBodyBytes();
        JsonLimits standard = JsonLimits.PAYLOAD;
        this.json = new BoundedJson(new JsonLimits(maxBytes, standard.maxDepth(), standard.maxFields(),
                                                   standard.maxStringLength()));
    }

    /**
     * Reads and checks a payload.
     *
     * @param body          the request body
     * @param contentLength the declared length, or {@code null}
     * @return the payload
     * @throws ApiException 413 when too large, 400 when not an acceptable JSON object
     */
    public Payload read(InputStream body, String contentLength) {
        byte[] bytes = readBody(body, contentLength, maxBytes);
        try {
            return new Payload(bytes, json.parseObject(bytes));
        } catch (InvalidJsonException e) {
            if (e.reason() == InvalidJsonException.Reason.TOO_LARGE) {
                throw ApiException.payloadTooLarge(maxBytes);
            }
            throw ApiException.badRequest(e.reason().name(), "the body must be one JSON object: " + e.getMessage());
        }
    }

    /**
     * Checks one record of a request, as {@link #read} checks a whole body.
     *
     * @param bytes the record's JSON
     * @return the object
     * @throws InvalidJsonException when the record is refused; its reason says why
     */
    ObjectNode parseRecord(byte[] bytes) throws InvalidJsonException {
        return json.parseObject(bytes);
    }

    /** @return how deep a record may nest */
    int nestingLimit() {
        return json.limits().maxDepth();
    }

    /** @return the largest record accepted, in bytes */
    int maxRecordBytes() {
        return maxBytes;
    }

    /**
     * Reads a request body of at most {@code maxBytes}, never more, whatever the client claims or sends.
     *
     * @throws ApiException 413 when larger, 400 when unreadable
     */
    static byte[] readBody(InputStream body, String contentLength, int maxBytes) {
        long declared = declaredLength(contentLength);
        if (declared > maxBytes) {
            throw ApiException.payloadTooLarge(maxBytes);
        }
        byte[] bytes;
        try {
            bytes = declared >= 0 ? readExactly(body, (int) declared) : body.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw ApiException.badRequest("UNREADABLE_BODY", "the request body could not be read");
        }
        if (bytes.length > maxBytes) {
            throw ApiException.payloadTooLarge(maxBytes);
        }
        return bytes;
    }

    /** Reads a body of a declared length into one array of that size (no growing buffers). */
    private static byte[] readExactly(InputStream body, int length) throws IOException {
        byte[] bytes = new byte[length];
        int read = body.readNBytes(bytes, 0, length);
        if (read < length) {
            throw new IOException("the body is shorter than its Content-Length");
        }
        return bytes;
    }

    /** @return the declared {@code Content-Length}, or -1 when none is declared; 400 when it is not a number */
    static long declaredLength(String contentLength) {
        if (contentLength == null || contentLength.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.strip());
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("INVALID_CONTENT_LENGTH", "the Content-Length header is not a number");
        }
    }
}
