package io.datapipe.testsupport;

import java.util.Locale;
import java.util.UUID;

/** Unique names, so that concurrent test runs and a running local stack never share a resource. */
public final class Unique {

    private Unique() {
    }

    /**
     * A short random suffix.
     *
     * @return eight lowercase hex digits
     */
    public static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * A name made of a purpose and a random suffix, fit for a database, a queue or an exchange.
     *
     * @param purpose what the resource is for, letters and digits
     * @return {@code purpose_xxxxxxxx} in lowercase
     */
    public static String name(String purpose) {
        return purpose.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_") + "_" + suffix();
    }
}
