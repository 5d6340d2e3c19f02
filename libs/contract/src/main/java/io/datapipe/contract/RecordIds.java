package io.datapipe.contract;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

/**
 * Record ids: time-ordered UUIDs (RFC 9562 version 7), so that ids sort by creation time and
 * index inserts stay local.
 */
public final class RecordIds {

    private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();
    private static final Pattern CANONICAL =
            Pattern.compile("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");

    private RecordIds() {
    }

    /**
     * Mints a new id.
     *
     * @return a version 7 UUID
     */
    public static UUID next() {
        return GENERATOR.generate();
    }

    /**
     * Parses an id given in its canonical 36-character form. {@link UUID#fromString(String)} alone
     * accepts shortened forms such as {@code 1-1-1-1-1}; ids at the edge must be exact.
     *
     * @param text the id as text, may be {@code null}
     * @return the id, or empty when the text is not a canonical UUID
     */
    public static Optional<UUID> parse(String text) {
        if (text == null || !CANONICAL.matcher(text).matches()) {
            return Optional.empty();
        }
        return Optional.of(UUID.fromString(text));
    }
}
