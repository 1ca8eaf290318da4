package org.callscheduler.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Bad input is harmless: thousands of generated hostile requests, sent over raw sockets so that broken framing,
 * percent-encoding and headers really reach the server, and focused checks of each kind. No answer is a 5xx, none
 * hangs, every error on /api/* is a JSON body with "error" (except where the HTTP layer answers before the
 * application can, see {@link Expect#FRAMING}), and only the valid requests store calls.
 */
@QuarkusTest
@TestProfile(HostileInputTest.NoRateLimit.class)
class HostileInputTest {

    /** The rate limit would answer 429 to a burst of thousands; what is tested here is what comes after it. */
    public static class NoRateLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("call-scheduler.security.rate-limit.enabled", "false");
        }
    }

    private static final long SEED = 20261129L;
    private static final int REQUESTS = 3_000;
    private static final Pattern LOCATION = Pattern.compile("/api/calls/([0-9]+)");

    /** What a generated request must get. */
    enum Expect {
        /** A valid request: 201 and a stored call. */
        CREATED,
        /** 4xx with a JSON error body. */
        API_ERROR,
        /** Any answer but a 5xx (the page answers HTML: 200 with the form's errors, or a 4xx). */
        PAGE_ANSWER,
        /**
         * Broken HTTP framing (a bad Content-Length or chunk): Vert.x answers these before any route, with an empty
         * 4xx or by closing the connection, and always closes it.
         */
        FRAMING
    }

    record Generated(String kind, byte[] request, Expect expect) {
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    CallFixtures fixtures;

    RawHttp http;

    @BeforeEach
    void setUp() {
        fixtures.deleteAll();
        http = new RawHttp(root.getPort());
    }

    @Test
    void thousandsOfHostileRequestsGetClientErrorsAndStoreOnlyTheValidOnes() {
        Random random = new Random(SEED);
        List<Long> created = new ArrayList<>();
        Map<String, Integer> kinds = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        String csrf = csrfToken();
        for (int i = 0; i < REQUESTS; i++) {
            Generated request = generate(random, created, csrf);
            kinds.merge(request.kind(), 1, Integer::sum);
            RawHttp.Answer answer = http.exchange(request.request());
            String problem = check(request, answer);
            if (problem != null) {
                failures.add(request.kind() + ": " + problem + "\n    request: " + preview(request.request())
                        + "\n    answer: " + answer);
            } else if (request.expect() == Expect.CREATED) {
                Matcher location = LOCATION.matcher(answer.header("location"));
                assertTrue(location.matches(), answer.toString());
                created.add(Long.parseLong(location.group(1)));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + REQUESTS + " requests answered wrongly:\n"
                + failures.stream().limit(20).collect(Collectors.joining("\n")));
        assertTrue(created.size() > REQUESTS / 5, "the generator sends valid requests too: " + kinds);
        assertEquals(25, kinds.size(), "the generator sends every kind: " + kinds);

        Set<Long> stored = QuarkusTransaction.requiringNew().call(() -> ScheduledCall.<ScheduledCall> listAll().stream()
                .map(c -> c.id).collect(Collectors.toSet()));
        assertEquals(created.size(), stored.size(), "calls stored, for " + created.size() + " valid requests");
        assertEquals(new HashSet<>(created), stored);
    }

    // ---- focused checks, one kind each

    @ParameterizedTest
    @ValueSource(strings = { "}", "// x", " x", "]", ",", "{\"phone_number\": \"+14155550199\"}" })
    void junkAfterTheJsonObjectIsRefusedAndStoresNothing(String junk) {
        RawHttp.Answer answer = http.exchange(post("/api/schedule", "application/json", validSchedule("+14155550123") + junk));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
        assertNothingStored();
    }

    @Test
    void duplicateKeysAreRefusedNamingTheKey() {
        String body = "{\"phone_number\": \"+14155550123\", \"phone_number\": \"+14155550124\", \"scheduled_time\": \""
                + future() + "\"}";
        RawHttp.Answer answer = http.exchange(post("/api/schedule", "application/json", body));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.isJsonError() && answer.body().contains("phone_number"), answer.toString());
        assertNothingStored();
    }

    @Test
    void commentsAreNotJson() {
        String body = "{/* a comment */\"phone_number\": \"+14155550123\", \"scheduled_time\": \"" + future() + "\"}";
        RawHttp.Answer answer = http.exchange(post("/api/schedule", "application/json", body));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
        assertNothingStored();
    }

    @Test
    void aDecimalPointWithoutDigitsIsNotATime() {
        String body = "{\"phone_number\": \"+14155550123\", \"scheduled_time\": \"2030-01-01T10:00:00.Z\"}";
        RawHttp.Answer answer = http.exchange(post("/api/schedule", "application/json", body));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.body().contains("\"field\":\"scheduled_time\""), answer.toString());
        assertNothingStored();
    }

    @ParameterizedTest
    @ValueSource(strings = { "Content-Type:", "Content-Type: ", "Content-Type: /json", "Content-Type: ;;" })
    void anUnreadableContentTypeIs400(String header) {
        String body = validSchedule("+14155550123");
        RawHttp.Answer answer = http.exchange("POST /api/schedule HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + header + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.isJsonError() && answer.body().contains("Content-Type"), answer.toString());
        assertNothingStored();
    }

    @Test
    void anUnknownCharsetIs415() {
        RawHttp.Answer answer = http.exchange(post("/api/schedule", "application/json; charset=bogus",
                validSchedule("+14155550123")));
        assertEquals(415, answer.status(), answer.toString());
        assertTrue(answer.isJsonError() && answer.body().contains("charset"), answer.toString());
        assertNothingStored();
    }

    @ParameterizedTest
    @ValueSource(strings = { "/", "/json", "application/" })
    void anUnreadableAcceptIs400(String accept) {
        RawHttp.Answer answer = http.exchange(get("/api/calls", "Accept: " + accept));
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.isJsonError() && answer.body().contains("Accept"), answer.toString());
    }

    @Test
    void notAcceptableIs406InJsonNotText() {
        RawHttp.Answer answer = http.exchange(get("/api/calls", "Accept: text/csv"));
        assertEquals(406, answer.status(), answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = { "/api/calls/%zz", "/api/calls/%E0%A4", "/api/calls/%", "/api/calls?status=%zz",
            "/api/calls?page=%G1", "/api/calls?size=%" })
    void badPercentEncodingIs400InJson(String target) {
        RawHttp.Answer answer = http.exchange(get(target, null));
        assertTrue(answer.status() == 400 || answer.status() == 404, answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = { "\uff10", "\u0660", "\u0966", "+", "\uff10\uff10" })
    void idsInOtherDigitsOrSignedAreUnknown(String prefix) {
        long id = fixtures.insertPending(1, "+14155550123", Instant.now().plus(Duration.ofDays(1))).get(0);
        String other = prefix.equals("+") ? "+" + id : toScript(id, prefix.charAt(0));
        String path = "/api/calls/" + java.net.URLEncoder.encode(other, StandardCharsets.UTF_8);
        RawHttp.Answer deleted = http.exchange("DELETE " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        assertEquals(404, deleted.status(), deleted.toString());
        assertTrue(deleted.isJsonError(), deleted.toString());
        assertEquals(404, http.exchange(get(path, null)).status());
        assertEquals(200, http.exchange(get("/api/calls/" + id, null)).status(), "the call is still there");
    }

    @Test
    void aBodyOverTheLimitIs413InJsonAndTheConnectionIsClosed() {
        RawHttp.Answer answer = http.exchange(post("/api/schedule", "application/json", "{\"x\": \"" + "a".repeat(70_000) + "\"}"));
        assertEquals(413, answer.status(), answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
        assertTrue(answer.closed(), answer.toString());
    }

    @Test
    void aChunkedBodyOverTheLimitIs413InJsonAndTheConnectionIsClosed() {
        String chunk = "a".repeat(0x4000);
        StringBuilder request = new StringBuilder("POST /api/schedule HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 6; i++) {
            request.append("4000\r\n").append(chunk).append("\r\n");
        }
        RawHttp.Answer answer = http.exchange(request.append("0\r\n\r\n").toString());
        assertEquals(413, answer.status(), answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
        assertTrue(answer.closed(), answer.toString());
    }

    @Test
    void aSmallChunkedBodyIsReadAsUsual() {
        String body = validSchedule("+14155550123");
        RawHttp.Answer answer = http.exchange("POST /api/schedule HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n");
        assertEquals(201, answer.status(), answer.toString());
    }

    @Test
    void aRequestLineOrHeadersOverTheLimitsGetAJson414Or431AndTheConnectionIsClosed() {
        RawHttp.Answer longUri = http.exchange(get("/api/calls?x=" + "a".repeat(5_000), null));
        assertEquals(414, longUri.status(), longUri.toString());
        assertTrue(longUri.isJsonError() && longUri.body().contains("4096"), longUri.toString());
        assertTrue(longUri.closed(), longUri.toString());
        RawHttp.Answer bigHeaders = http.exchange(get("/api/calls", "X-Padding: " + "a".repeat(25_000)));
        assertEquals(431, bigHeaders.status(), bigHeaders.toString());
        assertTrue(bigHeaders.isJsonError() && bigHeaders.body().contains("20480"), bigHeaders.toString());
        assertTrue(bigHeaders.closed(), bigHeaders.toString());
    }

    @Test
    void aRequestLineJustWithinTheLimitIsServed() {
        String path = "/api/calls?x=";
        int room = HttpErrorRoutes.MAX_REQUEST_LINE - "GET ".length() - path.length() - " HTTP/1.1".length();
        RawHttp.Answer answer = http.exchange(get(path + "a".repeat(room), null));
        assertEquals(200, answer.status(), answer.toString());
        RawHttp.Answer over = http.exchange(get(path + "a".repeat(room + 1), null));
        assertEquals(414, over.status(), over.toString());
    }

    /**
     * Over Vert.x's own decoder limits (set far above the ones that apply), Vert.x answers before any route: an
     * empty 414 or 431, and the connection closed, not left hanging.
     */
    @Test
    void aRequestOverTheDecodersLimitsIsStillRefusedAndClosed() {
        RawHttp.Answer longUri = http.exchange(get("/api/calls?x=" + "a".repeat(70_000), null));
        assertEquals(414, longUri.status(), longUri.toString());
        assertTrue(longUri.closed(), longUri.toString());
        RawHttp.Answer bigHeaders = http.exchange(get("/api/calls", "X-Padding: " + "a".repeat(270_000)));
        assertEquals(431, bigHeaders.status(), bigHeaders.toString());
        assertTrue(bigHeaders.closed(), bigHeaders.toString());
    }

    @Test
    void anH2cUpgradeIsAnsweredAsHttp11AndTheConnectionClosedAsAsked() {
        RawHttp.Answer answer = http.exchange("GET /api/calls/abc HTTP/1.1\r\nHost: localhost\r\nUpgrade: h2c\r\n"
                + "Connection: close\r\n\r\n");
        assertEquals(404, answer.status(), answer.toString());
        assertTrue(answer.isJsonError(), answer.toString());
        assertTrue(answer.closed(), answer.toString());
    }

    @Test
    void aMissingHostIs400InJson() {
        RawHttp.Answer answer = http.exchange("GET /api/calls HTTP/1.1\r\nConnection: close\r\n\r\n");
        assertEquals(400, answer.status(), answer.toString());
        assertTrue(answer.isJsonError() && answer.body().contains("Host"), answer.toString());
    }

    @Test
    void pageFormPostsWithHostileFieldsAreNever5xx() {
        String csrf = csrfToken();
        RawHttp.Answer longField = http.exchange(pagePost(csrf, "application/x-www-form-urlencoded",
                "phone_number=" + "1".repeat(30_000) + "&scheduled_at=2030-01-01T10:00&tz=UTC&action=schedule"));
        assertEquals(200, longField.status(), longField.toString());
        assertTrue(longField.body().contains("aria-invalid=\"true\""), "the form shows the error");
        RawHttp.Answer badEncoding = http.exchange(pagePost(csrf, "application/x-www-form-urlencoded",
                "phone_number=%zz&scheduled_at=2030-01-01T10:00&tz=UTC&action=schedule"));
        assertEquals(400, badEncoding.status(), badEncoding.toString());
        RawHttp.Answer bogusCharset = http.exchange(pagePost(csrf, "application/x-www-form-urlencoded; charset=bogus",
                "phone_number=%2B14155550123&scheduled_at=2030-01-01T10:00&tz=UTC&action=schedule"));
        assertEquals(415, bogusCharset.status(), bogusCharset.toString());
        assertNothingStored();
    }

    // ---- the generator

    private Generated generate(Random random, List<Long> created, String csrf) {
        int pick = random.nextInt(100);
        if (pick < 30) {
            return valid(random);
        }
        String phone = phone(random);
        String body = validSchedule(phone);
        return switch (random.nextInt(24)) {
            case 0 -> apiError("trailing junk", post("/api/schedule", "application/json",
                    body + pickOne(random, "}", "// x", " x", "]", ",", "\u0000", "/*", body, "{}", "null")));
            case 1 -> apiError("duplicate key", post("/api/schedule", "application/json", "{\"phone_number\": \"" + phone
                    + "\", \"scheduled_time\": \"" + future() + "\", " + pickOne(random, "\"phone_number\": \"+14155550199\"",
                            "\"scheduled_time\": \"" + future() + "\"") + "}"));
            case 2 -> apiError("comment", post("/api/schedule", "application/json",
                    pickOne(random, "/* c */", "// c\n", "# c\n") + body));
            case 3 -> apiError("bad time", post("/api/schedule", "application/json", "{\"phone_number\": \"" + phone
                    + "\", \"scheduled_time\": \"" + pickOne(random, "2030-01-01T10:00:00.Z", "2030-01-01T10:00:00",
                            "2030-01-01 10:00:00Z", "\uff12\uff10\uff13\uff10-01-01T10:00:00Z", "+12030-01-01T10:00:00Z",
                            "2030-01-01T10:00:00.1234567891Z", "2030-01-01T10:00:00+1", "2030-01-01T10:00:00+01:00:00:00",
                            "2030-02-30T10:00:00Z", "") + "\"}"));
            case 4 -> apiError("bad phone", post("/api/schedule", "application/json", validSchedule(pickOne(random, "abc", "",
                    "12", "1".repeat(3000), "+1 415\u0000555"))));
            case 5 -> apiError("wrong shape", post("/api/schedule", "application/json",
                    pickOne(random, "[" + body + "]", "\"" + phone + "\"", "", "{", "{\"phone_number\": 1}", "null", "true",
                            "[".repeat(2000), "{\"phone_number\": " + "1".repeat(2000) + "}")));
            case 6 -> apiError("unreadable content type", request("POST", "/api/schedule",
                    pickOne(random, "Content-Type:", "Content-Type: ", "Content-Type: /", "Content-Type: ;;;",
                            "Content-Type: application/json; charset=bogus", "Content-Type: application/json; charset=\"\""),
                    body, random.nextBoolean()));
            case 7 -> apiError("unreadable accept", request(pickOne(random, "GET", "POST"),
                    "/api/" + pickOne(random, "calls", "schedule"), "Content-Type: application/json\r\nAccept: "
                            + pickOne(random, "/", "/json", "application/", "text/csv", "image/png"), body, true));
            case 8 -> apiError("bad percent-encoding", get("/api/calls" + pickOne(random, "/%zz", "/%", "/%E0%A4", "/%C3%28x",
                    "?status=%zz", "?page=%", "?size=%G0", "?status=pending&%zz=1", "/%2"), null));
            case 9 -> created.isEmpty() ? valid(random) : apiError("id in other digits",
                    otherDigitsRequest(random, created.get(random.nextInt(created.size()))));
            case 10 -> apiError("body over the limit", random.nextBoolean()
                    ? post("/api/" + pickOne(random, "schedule", "call-now"), "application/json",
                            "{\"phone_number\": \"" + "1".repeat(66_000 + random.nextInt(10_000)) + "\"}")
                    : chunked("/api/schedule", "application/json", "{\"x\": \"" + "a".repeat(70_000) + "\"}"));
            case 11 -> apiError("request line over the limit", get("/api/calls?x=" + "a".repeat(4_100 + random.nextInt(10_000)), null));
            case 12 -> apiError("headers over the limit", get("/api/calls", "X-Padding: " + "a".repeat(21_000 + random.nextInt(20_000))));
            case 13 -> framing("broken framing", pickOne(random,
                    "POST /api/schedule HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n" + body,
                    "POST /api/schedule HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}}",
                    "POST /api/schedule HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
                            + body + "\r\n0\r\n\r\n",
                    "GET /api/calls\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                    "GET /api/calls HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            case 14 -> apiError("h2c upgrade", ("GET /api/calls/" + pickOne(random, "abc", "0") + " HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\n"
                    + pickOne(random, "Connection: close\r\n", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: close\r\n",
                            "HTTP2-Settings: !!\r\nConnection: Upgrade, HTTP2-Settings, close\r\n") + "\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            case 15 -> apiError("missing host", ("GET /api/calls/abc HTTP/1.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            case 16 -> apiError("unknown path or method", request(pickOne(random, "PUT", "PATCH", "FOO", "DELETE"),
                    pickOne(random, "/api/schedule", "/api/nothing", "/api/calls"), "Content-Type: application/json", body, true));
            case 17 -> apiError("not json", post("/api/schedule", pickOne(random, "text/plain", "application/xml",
                    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"), body));
            case 18 -> page("page form", pagePost(csrf, "application/x-www-form-urlencoded", pickOne(random,
                    "phone_number=" + "1".repeat(30_000) + "&scheduled_at=2030-01-01T10:00&tz=UTC&action=schedule",
                    "phone_number=%zz&scheduled_at=2030-01-01T10:00&tz=UTC&action=schedule",
                    "phone_number=%E0%A4&action=now", "phone_number=abc&action=now", "%=&&==&action=now",
                    "phone_number=%2B1415&scheduled_at=%&tz=%zz")));
            case 19 -> page("page form encoding", pagePost(csrf, pickOne(random,
                    "application/x-www-form-urlencoded; charset=bogus", "application/x-www-form-urlencoded; charset=\"",
                    "", "application/json"), "phone_number=%2B14155550123&scheduled_at=2030-01-01T10:00&tz=UTC"));
            case 20 -> page("page query", get(pickOne(random, "/", "/calls-table") + pickOne(random, "?page=%zz",
                    "?tz=%00", "?tz=" + "Europe/".repeat(100), "?status=%", "?page=99999999999999"), null));
            case 21 -> apiError("bad list query", get("/api/calls?" + pickOne(random, "status=nope", "page=-1", "size=0",
                    "size=501", "page=\uff11", "size=\u0661\u0660", "page=1e3", "size=+5"), null));
            case 22 -> apiError("bad call-now", post("/api/call-now", "application/json", pickOne(random,
                    "{\"phone_number\": \"" + phone + "\"}}", "{\"phone_number\": \"" + phone + "\", \"phone_number\": \"x\"}",
                    "{\"phone_number\": \"abc\"}", "{}")));
            default -> apiError("junk bytes", post("/api/schedule", "application/json",
                    new String(randomBytes(random), StandardCharsets.ISO_8859_1)));
        };
    }

    private Generated valid(Random random) {
        String phone = phone(random);
        String body = random.nextBoolean()
                ? validSchedule(phone)
                : "{\n  \"scheduled_time\" : \"" + future(random) + "\",\n  \"phone_number\" : \"" + phone
                        + "\", \"extra\": {\"ignored\": [1, 2]}\n}";
        byte[] request = random.nextInt(5) == 0
                ? chunked("/api/schedule", "application/json", body)
                : post("/api/schedule", pickOne(random, "application/json", "application/json; charset=UTF-8",
                        "Application/JSON"), body);
        return new Generated("valid", request, Expect.CREATED);
    }

    private static byte[] otherDigitsRequest(Random random, long id) {
        char zero = pickOne(random, "\uff10", "\u0660", "\u06f0", "\u0966", "\u09e6").charAt(0);
        String other = random.nextInt(4) == 0 ? "+" + id : toScript(id, zero);
        String path = "/api/calls/" + java.net.URLEncoder.encode(other, StandardCharsets.UTF_8);
        return (pickOne(random, "GET", "DELETE") + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String check(Generated request, RawHttp.Answer answer) {
        if (answer.timedOut()) {
            return "no answer, or the connection was not closed, within " + RawHttp.TIMEOUT_MILLIS + " ms";
        }
        if (answer.status() >= 500) {
            return "a server error";
        }
        return switch (request.expect()) {
            case CREATED -> answer.status() == 201 ? null : "expected 201";
            case API_ERROR -> answer.status() >= 400 && answer.isJsonError() ? null : "expected a 4xx with a JSON error";
            case PAGE_ANSWER -> answer.status() == 0 ? "no answer" : null;
            case FRAMING -> answer.status() == 0 || answer.status() >= 400 ? null : "expected a 4xx or a close";
        };
    }

    // ---- requests

    private static Generated apiError(String kind, byte[] request) {
        return new Generated(kind, request, Expect.API_ERROR);
    }

    private static Generated page(String kind, byte[] request) {
        return new Generated(kind, request, Expect.PAGE_ANSWER);
    }

    private static Generated framing(String kind, byte[] request) {
        return new Generated(kind, request, Expect.FRAMING);
    }

    private static byte[] post(String path, String contentType, String body) {
        return request("POST", path, "Content-Type: " + contentType, body, true);
    }

    private static byte[] get(String target, String header) {
        return ("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + (header == null ? "" : header + "\r\n")
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] request(String method, String path, String headers, String body, boolean close) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        byte[] head = (method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + (close ? "Connection: close\r\n" : "")
                + headers + "\r\nContent-Length: " + content.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + content.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return all;
    }

    private static byte[] chunked(String path, String contentType, String body) {
        StringBuilder request = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                + "Content-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n\r\n");
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        for (int start = 0; start < content.length; start += 8192) {
            int length = Math.min(8192, content.length - start);
            request.append(Integer.toHexString(length)).append("\r\n")
                    .append(new String(content, start, length, StandardCharsets.ISO_8859_1)).append("\r\n");
        }
        return request.append("0\r\n\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] pagePost(String csrf, String contentType, String form) {
        String body = "csrf-token=" + csrf + "&" + form;
        return request("POST", "/calls", (contentType.isEmpty() ? "Content-Type:" : "Content-Type: " + contentType)
                + "\r\nCookie: csrf-token=" + csrf + "\r\nHX-Request: true", body, true);
    }

    private String csrfToken() {
        RawHttp.Answer page = http.exchange(get("/", null));
        Matcher token = Pattern.compile("csrf-token=([^;]+);").matcher(page.header("set-cookie"));
        assertTrue(token.find(), page.toString());
        return token.group(1);
    }

    private static String validSchedule(String phone) {
        return "{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + future() + "\"}";
    }

    private static String future() {
        return Instant.now().plus(Duration.ofDays(1)).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String future(Random random) {
        return Instant.now().plus(Duration.ofDays(1)).plusSeconds(random.nextInt(86_400)).truncatedTo(ChronoUnit.SECONDS)
                .toString();
    }

    private static String phone(Random random) {
        return random.nextBoolean()
                ? "+1 (415) 555-01" + (10 + random.nextInt(90))
                : "+44 20 7946 0" + (100 + random.nextInt(900));
    }

    private static String toScript(long id, char zero) {
        StringBuilder digits = new StringBuilder();
        for (char c : Long.toString(id).toCharArray()) {
            digits.append((char) (zero + (c - '0')));
        }
        return digits.toString();
    }

    private static byte[] randomBytes(Random random) {
        byte[] bytes = new byte[1 + random.nextInt(200)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static String pickOne(Random random, String... choices) {
        return choices[random.nextInt(choices.length)];
    }

    private static String preview(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        return text.length() > 300 ? text.substring(0, 300) + "...(" + text.length() + " bytes)" : text;
    }

    private static void assertNothingStored() {
        long count = QuarkusTransaction.requiringNew().call(() -> ScheduledCall.count());
        assertEquals(0, count, "calls stored");
    }
}
