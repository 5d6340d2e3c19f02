package io.datapipe.http;

import java.util.regex.Pattern;

/**
 * A {@code limit} query parameter (a page size, how many messages to replay): a whole number from 1 to a
 * maximum, written as up to nine ASCII digits, so that it fits an {@code int}. {@code Integer.parseInt} alone
 * would also take a sign and the digits of other scripts.
 */
public final class LimitParameter {

    private static final Pattern WHOLE_NUMBER = Pattern.compile("[0-9]{1,9}");

    private LimitParameter() {
    }

    /**
     * @param value      the parameter as sent, or {@code null} when the request has none
     * @param whenAbsent the limit without the parameter
     * @param max        the largest limit allowed
     * @return the limit
     * @throws ApiException {@code 400 INVALID_LIMIT} for anything else
     */
    public static int parse(String value, int whenAbsent, int max) {
        if (value == null) {
            return whenAbsent;
        }
        if (WHOLE_NUMBER.matcher(value).matches()) {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= max) {
                return limit;
            }
        }
        throw ApiException.badRequest("INVALID_LIMIT", "limit must be a whole number from 1 to " + max);
    }
}
