package io.datapipe.http;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * An RFC 9457 problem details object, the body of every error response
 * ({@code application/problem+json}).
 *
 * @param type       identifies the kind of problem: {@code /problems/<slug>}
 * @param title      short summary of the kind of problem
 * @param status     the HTTP status code
 * @param detail     what went wrong with this request; never echoes credentials or the payload
 * @param instance   the request path
 * @param extensions extra members, such as {@code reason} or {@code errorId}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "title", "status", "detail", "instance"})
public record Problem(String type, String title, int status, String detail, String instance,
                      @com.fasterxml.jackson.annotation.JsonIgnore Map<String, Object> extensions) {

    /** Media type of problem details. */
    public static final String MEDIA_TYPE = "application/problem+json";

    public Problem {
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    /**
     * A problem of a kind named by its slug.
     *
     * @param status HTTP status
     * @param slug   kind of problem, for example {@code invalid-token}
     * @param title  summary of the kind
     * @param detail this occurrence
     * @return the problem
     */
    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem("/problems/" + slug, title, status, detail, null, Map.of());
    }

    /**
     * The last resort's problem: a bug, reported with an error id that the log carries too, and no internals.
     *
     * @param errorId the id the log line carries
     * @return the problem
     */
    public static Problem internalError(String errorId) {
        return of(500, "internal-error", "Internal Server Error",
                  "an unexpected error occurred; quote the error id when reporting it").with("errorId", errorId);
    }

    /**
     * This problem with the request path as its instance.
     *
     * @param path request path
     * @return a copy
     */
    public Problem at(String path) {
        return new Problem(type, title, status, detail, path, extensions);
    }

    /**
     * This problem with one more extension member.
     *
     * @param name  member name
     * @param value member value
     * @return a copy
     */
    public Problem with(String name, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(name, value);
        return new Problem(type, title, status, detail, instance, more);
    }

    @JsonAnyGetter
    Map<String, Object> extensionMembers() {
        return extensions;
    }
}
