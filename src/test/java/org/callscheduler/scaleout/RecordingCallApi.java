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
 * every POST. It ignores idempotency keys, as a provider may: every POST places a new call with a new
 * call_id, so every POST counts as a ring, and POSTs are counted per phone number (each call under
 * test has its own). The JDK's HTTP server rather than
 * WireMock: with three instances dialling 10,000 calls on two cores, WireMock's per-request templating
 * cost more CPU than the instances under test.
 */
final class RecordingCallApi implements AutoCloseable {

    /**
     * One POST as the Call API received it (when its handler started, before the body was read), and the
     * call_id it answered (null when it answered none: a 503, a 429, or too late).
     */
    record Post(String phoneNumber, String idempotencyKey, String sid, Instant receivedAt) {
    }

    private enum Mode {
        ACCEPT, UNAVAILABLE, LATE, TOO_MANY_REQUESTS
    }

    static {
        // The JDK server keeps at most 200 idle keep-alive connections and closes the rest, which the
        // instances would see as failed dials; they hold up to 3 x 64.
        System.setProperty("sun.net.httpserver.maxIdleConnections", "1000");
    }

    private final int port = AppProcess.freePort();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Post> posts = new ConcurrentLinkedQueue<>();
    private final Map<String, Long> callIds = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong sids = new java.util.concurrent.atomic.AtomicLong();
    private volatile Mode mode = Mode.ACCEPT;
    private volatile Duration delay = Duration.ZERO;
    private volatile Duration retryAfter;
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

    /**
     * 429 (too many requests) to every POST, with {@code Retry-After} in whole seconds, or without one when
     * {@code retryAfter} is null.
     */
    void answerTooManyRequests(Duration retryAfter) {
        this.retryAfter = retryAfter;
        this.mode = Mode.TOO_MANY_REQUESTS;
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
        Instant receivedAt = Instant.now();
        try (exchange; InputStream body = exchange.getRequestBody()) {
            String request = new String(body.readAllBytes(), StandardCharsets.UTF_8);
            if ("POST".equals(exchange.getRequestMethod())) {
                String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                String phone = phoneNumberOf(request);
                Mode now = mode;
                String sid = now == Mode.ACCEPT ? "sid-" + sids.incrementAndGet() : null;
                posts.add(new Post(phone, key, sid, receivedAt));
                if (now == Mode.UNAVAILABLE) {
                    answer(exchange, 503, "{\"error\": \"maintenance\"}");
                    return;
                }
                if (now == Mode.TOO_MANY_REQUESTS) {
                    Duration after = retryAfter;
                    if (after != null) {
                        exchange.getResponseHeaders().set("Retry-After", String.valueOf(after.toSeconds()));
                    }
                    answer(exchange, 429, "{\"error\": \"too many requests\"}");
                    return;
                }
                pause();
                answer(exchange, 201, now == Mode.LATE ? "{\"call_id\": \"late\", \"status\": \"initiated\"}"
                        : "{\"call_id\": \"" + sid + "\", \"status\": \"initiated\"}");
            } else {
                String path = exchange.getRequestURI().getPath();
                String callId = path.substring(path.lastIndexOf('/') + 1);
                answer(exchange, 200, "{\"call_id\": \"" + callId + "\", \"status\": \"completed\"}");
            }
        }
    }

    private static final java.util.regex.Pattern PHONE_NUMBER =
            java.util.regex.Pattern.compile("\"phone_number\"\\s*:\\s*\"([^\"]*)\"");

    /**
     * The phone number of a POST body. A regular expression, not RestAssured's JsonPath: that one loads
     * Groovy on first use, and the first burst of POSTs waited for it past the instances' 15 s read timeout.
     */
    private static String phoneNumberOf(String body) {
        java.util.regex.Matcher m = PHONE_NUMBER.matcher(body);
        return m.find() ? m.group(1) : null;
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

    /** Tells which call a phone number belongs to (the tests give each call its own number). */
    void expect(String phoneNumber, long callId) {
        callIds.put(phoneNumber, callId);
    }

    /** The call a POST was for, or -1 for a number no test call has. */
    long callIdOf(Post post) {
        return callIds.getOrDefault(post.phoneNumber(), -1L);
    }

    /** How many POSTs each call got (by its phone number): each one may have rung a person. */
    Map<Long, Long> postsPerCall() {
        return posts.stream().collect(Collectors.groupingBy(this::callIdOf, Collectors.counting()));
    }

    /** How many POSTs of each call the Call API accepted (answered with a call_id): each one placed a call. */
    Map<Long, Long> acceptedPerCall() {
        return posts.stream().filter(p -> p.sid() != null)
                .collect(Collectors.groupingBy(this::callIdOf, Collectors.counting()));
    }

    /** The call_ids answered to the POSTs of one call. */
    List<String> sidsOf(long callId) {
        return posts.stream().filter(p -> callIdOf(p) == callId && p.sid() != null).map(Post::sid).toList();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
        }
        threads.shutdownNow();
    }
}
