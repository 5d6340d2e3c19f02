package io.datapipe.localidp;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.ParseException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import io.datapipe.devtokens.DevKeys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.NettyWrapper;
import no.nav.security.mock.oauth2.token.KeyProvider;
import no.nav.security.mock.oauth2.token.OAuth2TokenProvider;

/**
 * The local OpenID Connect provider: mock-oauth2-server with one issuer, {@code http://127.0.0.1:<port>/datapipe},
 * on the loopback address only. It signs RS256 with the key in the keys directory (made on first use,
 * so that tokens and the services' cached keys survive a restart), shows a sign-in page where a person
 * types a user name and roles, and answers the password grant that {@code make token} uses.
 *
 * <pre>
 * java -jar datapipe-local-idp.jar [--port 8083] [--keys .local/keys] [--audience datapipe] [--token-lifetime 3600]
 * </pre>
 * Once it listens it prints {@code local identity provider: <issuer>} on standard output (with
 * {@code --port 0}, the port is the kernel's choice). Endpoints under the issuer: the discovery document
 * {@code /.well-known/openid-configuration}, {@code /jwks}, {@code /authorize}, {@code /token},
 * {@code /endsession}. A development tool: anyone who reaches the port gets any token.
 */
public final class LocalIdp implements AutoCloseable {

    /** The issuer's path: the issuer is {@code http://127.0.0.1:<port>/datapipe}. */
    public static final String ISSUER_ID = "datapipe";
    /** What it prints once it listens, followed by the issuer URL. */
    public static final String LISTENING = "local identity provider: ";

    private final MockOAuth2Server server;
    private final Path loginPage;

    private LocalIdp(MockOAuth2Server server, Path loginPage) {
        this.server = server;
        this.loginPage = loginPage;
    }

    /**
     * Starts a provider on the loopback address.
     *
     * @param port            the port, 0 for any free one
     * @param keys            where the signing key is kept (made there if missing)
     * @param audience        the {@code aud} of its tokens
     * @param lifetimeSeconds how long its tokens live
     * @return the running provider
     * @throws IOException when the key or the sign-in page cannot be prepared
     */
    public static LocalIdp start(int port, Path keys, String audience, long lifetimeSeconds) throws IOException {
        DevKeys.loadOrCreate(keys);
        JWK signingKey;
        try {
            signingKey = JWK.parse(Files.readString(keys.resolve(DevKeys.SIGNING_KEY_FILE)));
        } catch (ParseException e) {
            throw new IOException("the signing key in " + keys + " is not a JWK: " + e.getMessage(), e);
        }
        // mock-oauth2-server reads a custom sign-in page from a file.
        Path loginPage = Files.createTempFile("datapipe-idp-sign-in", ".html");
        try (InputStream page = LocalIdp.class.getResourceAsStream("sign-in.html")) {
            Files.copy(page, loginPage, StandardCopyOption.REPLACE_EXISTING);
        }
        OAuth2Config config = new OAuth2Config(
                true,
                loginPage.toString(),
                null,
                false,
                new OAuth2TokenProvider(new KeyProvider(List.of(signingKey), JWSAlgorithm.RS256.getName())),
                Set.of(new RoleTokenCallback(ISSUER_ID, audience, lifetimeSeconds)),
                new NettyWrapper(null));
        MockOAuth2Server server = new MockOAuth2Server(config);
        server.start(InetAddress.getLoopbackAddress(), port);
        return new LocalIdp(server, loginPage);
    }

    /** @return the issuer URL, as the services are configured with it ({@code datapipe.jwt.issuer}) */
    public String issuer() {
        return "http://127.0.0.1:" + server.baseUrl().port() + "/" + ISSUER_ID;
    }

    /** @return the port it listens on */
    public int port() {
        return server.baseUrl().port();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            Files.deleteIfExists(loginPage);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int port = 8083;
        Path keys = Path.of(".local/keys");
        String audience = "datapipe";
        long lifetime = 3600;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--keys" -> keys = Path.of(args[i + 1]);
                case "--audience" -> audience = args[i + 1];
                case "--token-lifetime" -> lifetime = Long.parseLong(args[i + 1]);
                default -> usage("unknown option " + args[i]);
            }
        }
        if (args.length % 2 != 0) {
            usage("every option takes a value");
        }
        LocalIdp idp = start(port, keys, audience, lifetime);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            idp.close();
            stopped.countDown();
        }, "local-idp-shutdown"));
        System.out.println(LISTENING + idp.issuer());
        System.out.flush();
        stopped.await();
    }

    private static void usage(String problem) {
        System.err.println(problem + "\nusage: LocalIdp [--port 8083] [--keys .local/keys] [--audience datapipe] [--token-lifetime 3600]");
        System.exit(2);
    }
}
