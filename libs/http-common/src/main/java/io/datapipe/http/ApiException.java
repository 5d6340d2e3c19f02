package io.datapipe.http;

import java.time.Duration;
import java.util.Map;

/**
 * An error the API reports on purpose, with its problem details and response headers. Endpoints throw
 * it; {@link ApiRoutes} turns it into the response. Factory methods cover the statuses of the HTTP contract.
 */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Problem problem;
    private final transient Map<String, String> headers;

    public ApiException(Problem problem, Map<String, String> headers) {
        super(problem.detail());
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public ApiException(Problem problem) {
        this(problem, Map.of());
    }

    /** @return the problem details */
    public Problem problem() {
        return problem;
    }

    /** @return extra response headers, such as {@code Retry-After} */
    public Map<String, String> headers() {
        return headers;
    }

    /** 400: the request is malformed; {@code reason} is a stable code clients can act on. */
    public static ApiException badRequest(String reason, String detail) {
        return new ApiException(Problem.of(400, "bad-request", "Bad Request", detail).with("reason", reason));
    }

    /** 404: no such resource, or not the caller's. */
    public static ApiException notFound(String detail) {
        return new ApiException(Problem.of(404, "not-found", "Not Found", detail));
    }

    /** 413: the body is larger than allowed. */
    public static ApiException payloadTooLarge(long limitBytes) {
        return new ApiException(Problem.of(413, "payload-too-large", "Payload Too Large",
                                           "the request body must not exceed " + limitBytes + " bytes")
                                        .with("limitBytes", limitBytes));
    }

    /** 429: over a rate limit; try again after the given time. */
    public static ApiException tooManyRequests(String detail, Duration retryAfter) {
        return new ApiException(Problem.of(429, "too-many-requests", "Too Many Requests", detail),
                                Map.of("Retry-After", seconds(retryAfter)));
    }

    /** 503: a dependency (broker, database) is unavailable; try again after the given time. */
    public static ApiException serviceUnavailable(String detail, Duration retryAfter) {
        return new ApiException(Problem.of(503, "service-unavailable", "Service Unavailable", detail),
                                Map.of("Retry-After", seconds(retryAfter)));
    }

    private static String seconds(Duration duration) {
        return Long.toString(Math.max(1, (duration.toMillis() + 999) / 1000));
    }
}
