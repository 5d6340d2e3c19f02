package io.datapipe.generator;

import java.util.Map;

/**
 * What an endpoint answers when it accepts a request: a status, headers, and the body as an object that
 * becomes JSON. Refusals are thrown as {@link io.datapipe.http.ApiException}s instead.
 *
 * @param status  the HTTP status
 * @param headers extra headers
 * @param body    the body, written as {@code application/json}
 */
record Answer(int status, Map<String, String> headers, Object body) {

    Answer {
        headers = Map.copyOf(headers);
    }
}
