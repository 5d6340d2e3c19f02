package io.datapipe.security;

/**
 * The roles the API checks, named once: the services' routes and the web console's configuration (which
 * decides what the page offers) both use these.
 */
public final class Roles {

    /** Allows {@code GET /data} and {@code GET /data/{id}}. */
    public static final String DATA_READ = "data.read";
    /** Allows {@code POST /data}. */
    public static final String DATA_WRITE = "data.write";
    /** Allows the persister's {@code /admin/dead-letters}: looking at and replaying dead-lettered messages. */
    public static final String DATA_ADMIN = "data.admin";

    private Roles() {
    }
}
