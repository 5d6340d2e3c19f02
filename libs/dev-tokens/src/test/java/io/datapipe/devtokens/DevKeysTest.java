package io.datapipe.devtokens;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import io.helidon.common.Errors;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.JwkKeys;

import jakarta.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class DevKeysTest {

    @TempDir
    Path directory;

    @Test
    void generatesOnceAndSignsTokensThePublicJwksVerifies() throws Exception {
        DevKeys first = DevKeys.loadOrCreate(directory);
        DevKeys second = DevKeys.loadOrCreate(directory);
        assertThat(second.keyId()).isEqualTo(first.keyId());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve(DevKeys.SIGNING_KEY_FILE))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(first.jwksFile())).doesNotContain("\"d\"");

        String token = TokenMinter.forDev(first).mint("alice", List.of("data.read", "data.write"), Duration.ofMinutes(5));

        JwkKeys publicKeys = JwkKeys.builder()
                .json(Json.createReader(Files.newInputStream(first.jwksFile())).readObject())
                .build();
        SignedJwt signed = SignedJwt.parseToken(token);
        Errors errors = signed.verifySignature(publicKeys);
        assertThat(errors.isValid()).as(errors.toString()).isTrue();
        assertThat(signed.getJwt().subject()).contains("alice");
        assertThat(signed.getJwt().payloadClaim("Role").orElseThrow().toString()).isEqualTo("[\"data.read\",\"data.write\"]");
        assertThat(signed.getJwt().algorithm()).contains("RS256");
    }
}
