package org.callscheduler.scaleout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

import org.callscheduler.support.AppProcess;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP Call API on a free loopback port that every instance under test dials and that records
 * every POST. It answers like a provider that honours idempotency keys: the call_id is derived from the
 * key, so a repeated POST with the same key names the same call. The JDK's HTTP server rather than
 * WireMock: with three instances dialling 10,000 calls on two cores, WireMock's per-request templating
 * cost more CPU than the instances under test.
 */
final class RecordingCallApi implements AutoCloseable {

    /** One POST as the Call API received it. */
    record Post(long callId, Instant receivedAt) {
    }

    private enum Mode {
        ACCEPT, UNAVAILABLE, LATE
    }

    static {
        // The JDK server keeps at most 200 idle keep-alive connections and closes the rest, which the
        // instances would see as failed dials; they hold up to 3 x 64.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "1000");
    }

    private final int port = AppProcess.freePort();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Post> posts = new ConcurrentLinkedQueue<>();
    private volatile Mode mode = Mode.ACCEPT;
    private volatile Duration delay = Duration.ZERO;
    private HttpServer server;

    RecordingCallApi() {
        acceptConnections();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** 201 with a call_id per idempotency key after {@code delay}; every status poll says completed. */
    void answerNormally(Duration delay) {
        this.delay = delay;
        this.mode = Mode.ACCEPT;
    }

    /** 503 to every POST. */
    void answerUnavailable() {
        this.mode = Mode.UNAVAILABLE;
    }

    /** A 201 to every POST, but only after {@code delay}: longer than the instances wait, a timeout. */
    void answerLate(Duration delay) {
        this.delay = delay;
        this.mode = Mode.LATE;
    }

    /** Stops listening: connections are refused until {@link #acceptConnections()}. */
    synchronized void refuseConnections() {
        server.stop(0);
        server = null;
    }

    /** Listens (again) on the same port, with the POSTs recorded so far. */
    synchronized void acceptConnections() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 512);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/api/call", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
            if ("POST".equals(exchange.getRequestMethod())) {
                String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                posts.add(new Post(Long.parseLong(key.substring("call-".length())), Instant.now()));
                Mode now = mode;
                if (now == Mode.UNAVAILABLE) {
                    answer(exchange, 503, "{\"error\": \"maintenance\"}");
                    return;
                }
                pause();
                answer(exchange, 201, now == Mode.LATE ? "{\"call_id\": \"late\", \"status\": \"initiated\"}"
                        : "{\"call_id\": \"sid-" + key + "\", \"status\": \"initiated\"}");
            } else {
                String path = exchange.getRequestURI().getPath();
                String callId = path.substring(path.lastIndexOf('/') + 1);
                answer(exchange, 200, "{\"call_id\": \"" + callId + "\", \"status\": \"completed\"}");
            }
        }
    }

    private void pause() {
        long millis = delay.toMillis();
        if (millis > 0) {
            try {
                Thread.sleep(millis); // the Call API's own latency, part of the scenario
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** Every POST received, in order. */
    List<Post> posts() {
        return List.copyOf(posts);
    }

    /** How many POSTs each call got. */
    Map<Long, Long> postsPerCall() {
        return posts.stream().collect(Collectors.groupingBy(Post::callId, Collectors.counting()));
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
        threads.shutdownNow();
    }
}
