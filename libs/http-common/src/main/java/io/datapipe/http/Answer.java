package io.datapipe.http;

import java.util.Map;

/**
 * What an endpoint served by {@link ApiRoutes} answers when it accepts a request: a status, headers, and the
 * body as an object that becomes JSON. Refusals are thrown as {@link ApiException}s instead.
 *
 * @param status  the HTTP status
 * @param headers extra headers
 * @param body    the body, written as {@code application/json}
 */
public record Answer(int status, Map<String, String> headers, Object body) {

    public Answer {
        headers = Map.copyOf(headers);
    }

    /**
     * {@code 200 OK} with a body and no extra headers.
     *
     * @param body the body
     * @return the answer
     */
    public static Answer ok(Object body) {
        return new Answer(200, Map.of(), body);
    }
}
