package org.callscheduler.support;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A webhook receiver on a free loopback port (a JDK HTTP server): it checks the signature of every message with its
 * own few lines of HMAC (not the library the app signs with), records what it got, and can fail, be slow, or be
 * down.
 */
public final class WebhookReceiver {

    /** A secret for tests: whsec_ and 24 bytes of base64. */
    public static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static final Pattern CALL_ID = Pattern.compile("\"event\":\\{\"id\":(\\d+),\"call_id\":(\\d+)");
    private static final Pattern TYPE = Pattern.compile("^\\{\"type\":\"([a-z_.]+)\"");

    /** One message as received. */
    public record Received(String webhookId, String timestamp, String signature, String body, boolean signatureValid,
            String type, long eventId, long callId, int answeredWith) {
    }

    private final byte[] key;
    private final int port;
    private HttpServer server;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile int status = 200;
    private final AtomicInteger failFirst = new AtomicInteger();
    private final AtomicInteger arrived = new AtomicInteger();
    private volatile Duration delay = Duration.ZERO;

    public WebhookReceiver(String secret) {
        this.key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
        this.port = AppProcess.freePort();
        up();
    }

    public String url() {
        return "http://127.0.0.1:" + port + "/hooks/calls";
    }

    /** Starts answering (again), on the same port. */
    public synchronized void up() {
        if (server != null) {
            return;
        }
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
        server.start();
    }

    /** Stops listening: connections are refused. */
    public synchronized void down() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    /** Answers every message with {@code status} from now on. */
    public void answer(int status) {
        this.status = status;
    }

    /** Answers the next {@code count} messages with 500, then as set. */
    public void failNext(int count) {
        failFirst.set(count);
    }

    public void delay(Duration delay) {
        this.delay = delay;
    }

    public void reset() {
        received.clear();
        arrived.set(0);
        status = 200;
        failFirst.set(0);
        delay = Duration.ZERO;
        up();
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    /** Messages that have arrived, including those not answered yet (a slow receiver still holds them). */
    public int arrived() {
        return arrived.get();
    }

    /** The messages answered with 2xx. */
    public List<Received> delivered() {
        return received.stream().filter(r -> r.answeredWith() >= 200 && r.answeredWith() < 300).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            arrived.incrementAndGet();
            String id = exchange.getRequestHeaders().getFirst("webhook-id");
            String timestamp = exchange.getRequestHeaders().getFirst("webhook-timestamp");
            String signature = exchange.getRequestHeaders().getFirst("webhook-signature");
            if (!delay.isZero()) {
                Thread.sleep(delay.toMillis());
            }
            int answer = failFirst.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : status;
            Matcher ids = CALL_ID.matcher(body);
            Matcher type = TYPE.matcher(body);
            received.add(new Received(id, timestamp, signature, body, verify(id, timestamp, body, signature),
                    type.find() ? type.group(1) : null, ids.find() ? Long.parseLong(ids.group(1)) : -1,
                    ids.find(0) ? Long.parseLong(ids.group(2)) : -1, answer));
            if (answer == 302) {
                exchange.getResponseHeaders().add("Location", url() + "/elsewhere");
            }
            exchange.sendResponseHeaders(answer, -1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Standard Webhooks: v1, base64(HMAC-SHA256(key, id.timestamp.body)); the header may list several. */
    public boolean verify(String id, String timestamp, String body, String header) {
        if (id == null || timestamp == null || header == null) {
            return false;
        }
        String expected = "v1," + hmac(key, id + "." + timestamp + "." + body);
        for (String candidate : header.split(" ")) {
            if (candidate.equals(expected)) {
                return true;
            }
        }
        return false;
    }

    public static String hmac(byte[] key, String content) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
