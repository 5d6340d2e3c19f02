package io.datapipe.devtokens;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Prints a token the local stack accepts, and nothing else on standard output:
 * <pre>
 * java -cp ... io.datapipe.devtokens.DevTokenCli KEYS_DIR SUB ROLES [TTL_SECONDS]
 * java -cp ... io.datapipe.devtokens.DevTokenCli KEYS_DIR --init    # only create the keys
 * </pre>
 * {@code ROLES} is a comma-separated list, for example {@code data.read,data.write}.
 */
public final class DevTokenCli {

    private DevTokenCli() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 2 && "--init".equals(args[1])) {
            DevKeys keys = DevKeys.loadOrCreate(Path.of(args[0]));
            System.err.println("dev keys ready: " + keys.jwksFile());
            return;
        }
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: DevTokenCli KEYS_DIR SUB ROLES [TTL_SECONDS]   (ROLES: data.read,data.write)");
            System.exit(2);
        }
        String subject = args[1];
        List<String> roles = Arrays.stream(args[2].split(","))
                .map(String::strip)
                .filter(role -> !role.isEmpty())
                .toList();
        long ttl = args.length == 4 ? Long.parseLong(args[3]) : 3600;
        if (ttl <= 0) {
            System.err.println("TTL must be positive seconds");
            System.exit(2);
        }
        DevKeys keys = DevKeys.loadOrCreate(Path.of(args[0]));
        System.out.println(TokenMinter.forDev(keys).mint(subject, roles, Duration.ofSeconds(ttl)));
    }
}
