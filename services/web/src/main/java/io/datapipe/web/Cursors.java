package io.datapipe.web;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperties;

import static java.lang.System.Logger.Level.WARNING;

/**
 * Page cursors: opaque to clients, bound to the user they were issued to, and impossible to forge.
 *
 * <p>A cursor is the position after the last row of a page, {@code (receivedAt, id)}, with an
 * HMAC-SHA256 over that position and the user id, base64url-encoded. A cursor changed by a client, or
 * replayed by another user, fails the check and is refused; it can never select another user's rows
 * (the query is scoped to the caller anyway) nor probe positions in them.
 */
@ApplicationScoped
public class Cursors {

    /** A position in a user's records, newest first. */
    public record Position(Instant receivedAt, UUID id) {
    }

    private static final System.Logger LOGGER = System.getLogger(Cursors.class.getName());
    private static final byte VERSION = 1;
    private static final int MAC_BYTES = 16;
    private static final int LENGTH = 1 + 8 + 16 + MAC_BYTES;
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;

    @Inject
    Cursors(@ConfigProperties WebConfig config) {
        Optional<String> secret = config.cursorSecret();
        byte[] keyBytes;
        if (secret.isPresent()) {
            keyBytes = secret.get().getBytes(StandardCharsets.UTF_8);
            if (keyBytes.length < 32) {
                throw new IllegalArgumentException("datapipe.web.cursor-secret must be at least 32 bytes");
            }
        } else {
            LOGGER.log(WARNING, "datapipe.web.cursor-secret is not set: cursors are signed with a key of this process"
                    + " only, and will not survive a restart or cross replicas");
            keyBytes = new byte[32];
            new SecureRandom().nextBytes(keyBytes);
        }
        this.key = new SecretKeySpec(keyBytes, "HmacSHA256");
    }

    /**
     * The cursor for the position after a row.
     *
     * @param userId whose page it is
     * @param after  the last row of the page
     * @return the cursor
     */
    public String encode(String userId, Position after) {
        ByteBuffer buffer = ByteBuffer.allocate(LENGTH)
                .put(VERSION)
                .putLong(ChronoUnit.MICROS.between(Instant.EPOCH, after.receivedAt()))
                .putLong(after.id().getMostSignificantBits())
                .putLong(after.id().getLeastSignificantBits());
        buffer.put(mac(userId, buffer.array(), LENGTH - MAC_BYTES));
        return ENCODER.encodeToString(buffer.array());
    }

    /**
     * The position of a cursor, if it is genuine and was issued to this user.
     *
     * @param userId the caller
     * @param cursor the cursor as received
     * @return the position, or empty when the cursor is not valid for this caller
     */
    public Optional<Position> decode(String userId, String cursor) {
        byte[] bytes;
        try {
            bytes = DECODER.decode(cursor);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (bytes.length != LENGTH || bytes[0] != VERSION) {
            return Optional.empty();
        }
        byte[] expected = mac(userId, bytes, LENGTH - MAC_BYTES);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, LENGTH - MAC_BYTES, LENGTH))) {
            return Optional.empty();
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 1, LENGTH - 1 - MAC_BYTES);
        Instant receivedAt = Instant.EPOCH.plus(buffer.getLong(), ChronoUnit.MICROS);
        return Optional.of(new Position(receivedAt, new UUID(buffer.getLong(), buffer.getLong())));
    }

    private byte[] mac(String userId, byte[] data, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update("datapipe-cursor".getBytes(StandardCharsets.US_ASCII));
            mac.update((byte) 0);
            mac.update(userId.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            mac.update(data, 0, length);
            return Arrays.copyOf(mac.doFinal(), MAC_BYTES);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }
}
