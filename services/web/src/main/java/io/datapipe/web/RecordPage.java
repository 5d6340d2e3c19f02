package io.datapipe.web;

import java.util.List;

/**
 * A page of the caller's records, newest first.
 *
 * @param items      the records
 * @param nextCursor pass as {@code ?cursor=} for the next page; {@code null} on the last page
 */
public record RecordPage(List<RecordView> items, String nextCursor) {
}
