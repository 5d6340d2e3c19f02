package io.datapipe.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** No secret is committed: no private keys (PEM or JWK), no AWS access keys, no local dev keys. */
class RepositoryHygieneIT {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile("-----BEGIN (RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY-----"),
            // A JWK with a private exponent.
            Pattern.compile("\"kty\"\\s*:\\s*\"(RSA|EC)\"[^}]*\"d\"\\s*:\\s*\""),
            Pattern.compile("\\bAKIA[0-9A-Z]{16}\\b"),
            Pattern.compile("aws_secret_access_key\\s*=\\s*\\S+", Pattern.CASE_INSENSITIVE));

    @Test
    void noSecretIsCommitted() throws Exception {
        List<String> files = trackedFiles();
        assumeThat(files).as("a git checkout").isNotEmpty();
        List<String> findings = new ArrayList<>();
        for (String file : files) {
            assertThat(file).as("local keys, logs and pids stay out of git").doesNotStartWith(".local/");
            Path path = REPO.resolve(file);
            if (!Files.isRegularFile(path) || Files.size(path) > 2_000_000) {
                continue;
            }
            String text = new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
            for (Pattern secret : SECRETS) {
                if (secret.matcher(text).find()) {
                    findings.add(file + " matches " + secret.pattern());
                }
            }
        }
        assertThat(findings).isEmpty();
        assertThat(Files.readString(REPO.resolve(".gitignore"))).contains(".local/");
    }

    @Test
    void theScanRecognisesSecrets() {
        List<String> samples = List.of(
                "-----BEGIN " + "PRIVATE KEY-----\nMIIE",
                "-----BEGIN RSA " + "PRIVATE KEY-----",
                "{\"kty\":\"RSA\",\"kid\":\"k\",\"n\":\"x\",\"e\":\"AQAB\",\"d\":\"secret\"}",
                "key = AKIA" + "ABCDEFGHIJKLMNOP");
        for (String sample : samples) {
            assertThat(SECRETS.stream().anyMatch(secret -> secret.matcher(sample).find())).as(sample).isTrue();
        }
        assertThat(SECRETS.stream().anyMatch(secret -> secret.matcher("{\"kty\":\"RSA\",\"n\":\"x\",\"e\":\"AQAB\"}").find()))
                .as("a public JWK is fine").isFalse();
    }

    private static List<String> trackedFiles() throws IOException, InterruptedException {
        Process git = new ProcessBuilder("git", "ls-files").directory(REPO.toFile()).start();
        String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!git.waitFor(30, TimeUnit.SECONDS) || git.exitValue() != 0) {
            return List.of();
        }
        return out.lines().filter(line -> !line.isBlank()).toList();
    }
}
