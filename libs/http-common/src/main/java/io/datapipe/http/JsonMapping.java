package io.datapipe.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The JSON mapping of response bodies: ISO-8601 instants.
 *
 * <p>Its parsers and generators take their buffers from Jackson's shared bounded pool, as every
 * {@code JsonFactory} of the services does ({@code BoundedJson}, {@code BatchReader}, the log formatter).
 * Jackson's default keeps one set of buffers (about 16 KiB) per thread, and the web server runs each
 * connection on a virtual thread of its own: every open keep-alive connection held a set, 1 000 connections
 * 16 MiB of heap. The pool keeps at most 100 sets, whichever thread used them.
 */
public final class JsonMapping {

    private static final ObjectMapper MAPPER = new ObjectMapper(
            JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedBoundedPool()).build())
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** @return the shared mapper */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private JsonMapping() {
    }
}
