package io.datapipe.contract;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.NameBasedGenerator;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

/**
 * Record ids. A record posted without an idempotency key gets a time-ordered UUID (RFC 9562 version 7),
 * so that ids sort by creation time and index inserts stay local. A record posted with one gets a
 * name-based UUID (version 5) derived from the caller, the key, the request body and the record's
 * position in it: every process that sees the same request derives the same id, with no shared state,
 * so a retry that reaches another generator replica publishes the same id and is stored once.
 */
public final class RecordIds {

    private static final TimeBasedEpochGenerator GENERATOR = Generators.timeBasedEpochGenerator();
    /** Name-based ids in a namespace of their own (itself name-based, under RFC 9562's URL namespace). */
    private static final NameBasedGenerator KEYED = Generators.nameBasedGenerator(
            Generators.nameBasedGenerator(NameBasedGenerator.NAMESPACE_URL).generate("urn:datapipe:record-id:idempotency-key"));
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
     * The id of a record posted with an idempotency key: the same arguments give the same id in any process.
     * The parts are length-prefixed, so no two different argument lists share a name.
     *
     * @param userId     the caller
     * @param key        the {@code Idempotency-Key}
     * @param bodyDigest a digest of the request body as received (a retry must send the same bytes)
     * @param index      the record's position in the request (0 for a request of one record)
     * @return a version 5 UUID
     */
    public static UUID keyed(String userId, String key, byte[] bodyDigest, int index) {
        byte[] user = userId.getBytes(StandardCharsets.UTF_8);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer name = ByteBuffer.allocate(4 * Integer.BYTES + user.length + keyBytes.length + bodyDigest.length);
        name.putInt(user.length).put(user)
                .putInt(keyBytes.length).put(keyBytes)
                .putInt(bodyDigest.length).put(bodyDigest)
                .putInt(index);
        return KEYED.generate(name.array());
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
