package io.datapipe.http;

import jakarta.ws.rs.core.UriInfo;

final class RequestPaths {

    private RequestPaths() {
    }

    /** The request path, without the query (which may carry cursors): the problem's {@code instance}. */
    static String path(UriInfo uriInfo) {
        if (uriInfo == null) {
            return null;
        }
        try {
            return "/" + uriInfo.getPath(false).replaceFirst("^/", "");
        } catch (IllegalStateException e) {
            return null;
        }
    }
}
