package io.datapipe.bench;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

/**
 * The harness's HTTP client: every request of the measured load (ingest, batches, the budget, the reads, the
 * soak's callers) goes through it. Vert.x's client on one event loop, keep-alive
 * HTTP/1.1 without pipelining, a pool of {@link #CONNECTIONS} per server, opened as the load needs them: an
 * open-model load of a few thousand requests/s with answers of tens of milliseconds is not queued here. It
 * replaced {@code java.net.http.HttpClient}, whose exchange machinery (a chain of futures and fresh buffers per
 * request) made the harness the largest consumer of the machine (bench/results/2026-11-29-load-driver.md).
 *
 * <p>test-support's readiness polling ({@code ServiceProcess}) keeps the JDK's client: it runs before the
 * measured windows, a few requests a second.
 */
final class BenchHttp implements AutoCloseable {

    /** Connections per server, at most. */
    static final int CONNECTIONS = 1_024;

    /** No answer this long after the request was made (a connection included) fails it (status -1 in the load's counts). */
    static final long TIMEOUT_MS = 30_000;

    /** An answer: its status, its body (UTF-8) and the two headers the harness reads (null when absent). */
    record Answer(int status, String body, String location, String retryAfter) {
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final Context eventLoop;

    BenchHttp() {
        vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
        client = vertx.httpClientBuilder()
                .with(new HttpClientOptions().setKeepAlive(true).setPipelining(false).setConnectTimeout(5_000))
                .with(new PoolOptions().setHttp1MaxSize(CONNECTIONS))
                .build();
        eventLoop = vertx.getOrCreateContext();
    }

    CompletableFuture<Answer> get(URI uri, String token) {
        return send(options(HttpMethod.GET, uri, token), null);
    }

    /** A JSON POST; {@code idempotencyKey} may be null. */
    CompletableFuture<Answer> post(URI uri, String token, String body, String idempotencyKey) {
        RequestOptions options = options(HttpMethod.POST, uri, token).putHeader("Content-Type", "application/json");
        if (idempotencyKey != null) {
            options.putHeader("Idempotency-Key", idempotencyKey);
        }
        return send(options, body);
    }

    /** Waits for an answer: a transport failure or timeout is an {@link IOException}. */
    static Answer await(CompletableFuture<Answer> answer) throws IOException, InterruptedException {
        try {
            return answer.get(TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException(e);
        }
    }

    private static RequestOptions options(HttpMethod method, URI uri, String token) {
        return new RequestOptions().setMethod(method).setAbsoluteURI(uri.toString()).setTimeout(TIMEOUT_MS)
                .putHeader("Authorization", "Bearer " + token);
    }

    private CompletableFuture<Answer> send(RequestOptions options, String body) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        // Issued on the event loop: called from the load's own thread, about one request in a thousand was
        // never answered nor timed out (Vert.x 5.0.7).
        eventLoop.runOnContext(ignored -> client.request(options)
                .compose(request -> body == null ? request.send() : request.send(body))
                .compose(response -> response.body().map(bytes -> new Answer(
                        response.statusCode(), bytes.toString(), response.getHeader("Location"), response.getHeader("Retry-After"))))
                .onComplete(answer::complete, answer::completeExceptionally));
        return answer;
    }

    @Override
    public void close() {
        vertx.close();
    }
}
