package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.callscheduler.support.AppProcess;
import org.callscheduler.support.Burst;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.restassured.path.json.JsonPath;

/**
 * Stops the packaged application with SIGTERM in the middle of a burst of 2,000 due calls, as
 * Kubernetes does when it moves a pod: it exits well within the 30 s grace period, leaves no call
 * claimed, has recorded every call the Call API accepted, and after a restart on the same H2 file
 * every call reaches the Call API exactly once across both runs.
 */
class GracefulShutdownIT {

    private static final int CALLS = 2000;
    private static final int MAX_IN_FLIGHT = 16;
    /** With 16 in flight, 16 dials a second in the first run: SIGTERM comes about 25 s into a two-minute burst. */
    private static final int FIRST_RUN_DELAY_MS = 1000;
    /** With 16 in flight, about 100 dials a second after the restart. */
    private static final int CALL_API_DELAY_MS = 150;
    private static final Duration KUBERNETES_GRACE = Duration.ofSeconds(30);

    private WireMockServer callApi;
    private Path dataDir;
    private Map<String, Long> idsByPhone = Map.of();

    @BeforeEach
    void startCallApi() throws Exception {
        callApi = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(100));
        callApi.start();
        // One call_id per call, derived from its idempotency key, so the database can be checked against it.
        // Otherwise the keys are ignored, as a provider may: POSTs are counted per phone number.
        answerPostsAfter(CALL_API_DELAY_MS);
        callApi.stubFor(get(urlPathMatching("/api/call/.+")).willReturn(
                okJson("{\"call_id\": \"{{request.pathSegments.[2]}}\", \"status\": \"completed\"}")
                        .withTransformers("response-template")));
        // The first templated answer is slow (template compilation, cold JIT): not on the app's clock.
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(callApi.baseUrl() + "/api/call"))
                .header("Idempotency-Key", "call-0").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.discarding());
        callApi.resetRequests();
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "graceful-shutdown-it-");
    }

    /**
     * Sends {@code GET /api/calls} one after another until the application refuses or drops the connection
     * (or 60 s pass), each with a 5 s timeout; counts the outcomes ("HTTP 200", "HTTP 503", "refused or
     * closed", "no answer within 5 s").
     */
    private static Map<String, Integer> requestUntilRefused(AppProcess app) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        Instant until = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(until)) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(app.baseUrl() + "/api/calls?size=1"))
                    .timeout(Duration.ofSeconds(5)).build();
            try {
                int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                outcomes.merge("HTTP " + status, 1, Integer::sum);
            } catch (java.net.http.HttpTimeoutException e) {
                outcomes.merge("no answer within 5 s", 1, Integer::sum);
            } catch (java.io.IOException e) {
                outcomes.merge("refused or closed", 1, Integer::sum);
                break;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return outcomes;
    }

    /** The Call API answers each POST after {@code millis}, with a call_id derived from its idempotency key. */
    private void answerPostsAfter(int millis) {
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"call_id\": \"sid-{{request.headers.[Idempotency-Key]}}\", \"status\": \"initiated\"}")
                .withTransformers("response-template")
                .withFixedDelay(millis)));
    }

    @AfterEach
    void stopCallApi() {
        callApi.stop();
    }

    @Test
    void sigtermInTheMiddleOfABurstLosesNoCallAndLeavesNoneClaimed() throws Exception {
        String firstInstance = "graceful-first-" + dataDir.getFileName();
        Set<Long> ids;
        try (AppProcess first = AppProcess.start("graceful-shutdown-it-first", settings(firstInstance))) {
            // Slow answers in the first run: 16 dials a second, so the burst lasts about two minutes and
            // is still being dialled when the SIGTERM comes, however long scheduling takes on a busy machine.
            answerPostsAfter(FIRST_RUN_DELAY_MS);
            ids = scheduleBurst(first, Instant.now().plusSeconds(5));
            await().atMost(Duration.ofSeconds(90)).until(() -> posts().size() >= CALLS / 5);

            int postsAtSigterm = posts().size();
            Instant sigterm = Instant.now();
            // Requests keep coming while it stops: each is answered or refused, none is left hanging.
            CompletableFuture<Map<String, Integer>> requestsWhileStopping = CompletableFuture
                    .supplyAsync(() -> requestUntilRefused(first));
            int exitCode = first.terminate(KUBERNETES_GRACE);
            long exitMillis = Duration.between(sigterm, Instant.now()).toMillis();
            Map<String, Integer> whileStopping = requestsWhileStopping.join();
            System.out.printf("GracefulShutdownIT: requests sent while it stopped: %s%n", whileStopping);
            assertEquals(0, whileStopping.getOrDefault("no answer within 5 s", 0), "requests left hanging: " + whileStopping);
            assertEquals(1, whileStopping.getOrDefault("refused or closed", 0), "the requests ran until the app was gone: "
                    + whileStopping);
            Instant stopping = loggedAt("graceful-shutdown-it-first", "Dispatcher " + firstInstance + "/", " stopping");
            long postsAfterStopping = callApi.findAll(postRequestedFor(urlEqualTo("/api/call"))).stream()
                    .filter(request -> request.getLoggedDate().toInstant().isAfter(stopping))
                    .count();
            System.out.printf("GracefulShutdownIT: exit code %d, %d ms after SIGTERM (dispatcher stopping after %d ms);"
                    + " Call API POSTs: %d at SIGTERM, %d at exit (%d received after the dispatcher began stopping),"
                    + " of %d calls%n", exitCode, exitMillis, Duration.between(sigterm, stopping).toMillis(),
                    postsAtSigterm, posts().size(), postsAfterStopping, CALLS);

            // The JVM's answer to SIGTERM is 143 (128 + 15) once its shutdown hooks have run.
            assertTrue(exitCode == 0 || exitCode == 143, "exit code " + exitCode);
            assertTrue(exitMillis < 15_000, "took " + exitMillis + " ms to exit, too close to the 30 s grace period");
            assertTrue(posts().size() < CALLS, "the burst was over before SIGTERM: this test shows nothing");
            // Requests handed to the HTTP client just before may still arrive (at most one per dial
            // slot); a request sent after the dispatcher began stopping would make this more.
            assertTrue(postsAfterStopping <= MAX_IN_FLIGHT,
                    postsAfterStopping + " POSTs arrived after the dispatcher began stopping: it kept dialling");
        }

        Map<Long, Row> rows = readDatabase();
        assertEquals(ids, rows.keySet(), "the calls in the database");
        List<Long> stuckClaimed = rows.values().stream()
                .filter(r -> r.status().equals("pending") && (r.claimedBy() != null || r.leaseUntil() != null))
                .map(Row::id).toList();
        assertEquals(List.of(), stuckClaimed, "pending calls still claimed after the app stopped");
        List<Long> dialledWithoutSid = rows.values().stream()
                .filter(r -> !r.status().equals("pending") && r.callApiId() == null)
                .map(Row::id).toList();
        assertEquals(List.of(), dialledWithoutSid, "calls past pending without a call_api_id");
        idsByPhone = rows.values().stream().collect(Collectors.toMap(Row::phoneNumber, Row::id));
        Map<Long, Long> postedInFirstRun = postsPerCall();
        List<String> forgotten = postedInFirstRun.keySet().stream()
                .map(rows::get)
                .filter(r -> !(r.status().equals("in-progress") || r.status().equals("completed"))
                        || !("sid-" + r.idempotencyKey()).equals(r.callApiId()))
                .map(Row::toString).toList();
        assertEquals(List.of(), forgotten, "calls the Call API accepted but the database does not show as dialled");
        long pending = rows.values().stream().filter(r -> r.status().equals("pending")).count();
        System.out.printf("GracefulShutdownIT: after the first run %d calls dialled (%d POSTs), %d pending%n",
                rows.size() - pending, postedInFirstRun.size(), pending);
        assertEquals(CALLS - postedInFirstRun.size(), pending, "pending calls = calls never POSTed");

        answerPostsAfter(CALL_API_DELAY_MS);
        try (AppProcess second = AppProcess.start("graceful-shutdown-it-second", settings("graceful-second"))) {
            await().atMost(Duration.ofMinutes(5)).until(() -> postsPerCall().size() == CALLS);
            // Once no call is pending, every answer is recorded and nothing can be dialled again.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given()
                    .get(second.baseUrl() + "/api/calls?status=pending")
                    .then().statusCode(200).header("X-Total-Count", "0"));
            Map<Long, Long> postedInBothRuns = postsPerCall();
            Map<Long, Long> duplicates = postedInBothRuns.entrySet().stream().filter(e -> e.getValue() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            assertEquals(Map.of(), duplicates, "calls POSTed more than once (call id -> POSTs)");
            assertEquals(ids, postedInBothRuns.keySet(), "the calls POSTed across both runs");
            System.out.printf("GracefulShutdownIT: after the restart %d calls POSTed, %d POSTs in all%n",
                    postedInBothRuns.size(), posts().size());
        }
    }

    private Map<String, String> settings(String instanceId) {
        return Map.of(
                // Full timestamps with the offset, so log lines compare with the Call API's request times.
                "quarkus.log.console.format", "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5p [%c{2.}] (%t) %s%e%n",
                "call-scheduler.data-dir", dataDir.toString(),
                "call-scheduler.call-api.url", callApi.baseUrl(),
                "call-scheduler.dispatch.instance-id", instanceId,
                "call-scheduler.dispatch.max-in-flight", String.valueOf(MAX_IN_FLIGHT),
                // A POST that times out is sent again (at-least-once, by design); on a busy machine the
                // default 4 s could count such a retry as a duplicate that has nothing to do with shutdown.
                "call-scheduler.call-api.read-timeout", "10s",
                // ... and a lease of 30 s must be at least twice the longest dial (3 connect timeouts + read timeout).
                "call-scheduler.call-api.connect-timeout", "1s",
                // 2,000 calls from one address are far over the per-client rate limit for scheduling.
                "call-scheduler.security.rate-limit.enabled", "false",
                "call-scheduler.poll.interval", "1s");
    }

    private static Set<Long> scheduleBurst(AppProcess app, Instant dueAt) throws Exception {
        long started = System.nanoTime();
        Set<Long> ids = new TreeSet<>(Burst.schedule(List.of(app), CALLS, dueAt).keySet());
        System.out.printf("GracefulShutdownIT: scheduled %d calls in %d ms%n", CALLS,
                (System.nanoTime() - started) / 1_000_000);
        return ids;
    }

    /** When the application run {@code name} first logged a line containing {@code text} and then {@code more}. */
    private static Instant loggedAt(String name, String text, String more) throws Exception {
        try (var lines = Files.lines(Path.of("target", name + ".log"))) {
            String line = lines.filter(l -> l.contains(text) && l.indexOf(more, l.indexOf(text)) > 0).findFirst()
                    .orElseThrow(() -> new AssertionError("no \"" + text + "..." + more + "\" in target/" + name + ".log"));
            return OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant();
        }
    }

    /** The phone number of every POST the Call API received: it ignores keys, so each one may ring. */
    private List<String> posts() {
        return callApi.findAll(postRequestedFor(urlEqualTo("/api/call"))).stream()
                .map(request -> JsonPath.from(request.getBodyAsString()).getString("phone_number"))
                .toList();
    }

    /** POSTs the Call API received per call id (each call has its own number). */
    private Map<Long, Long> postsPerCall() {
        return posts().stream().collect(Collectors.groupingBy(idsByPhone::get, HashMap::new, Collectors.counting()));
    }

    private record Row(long id, String phoneNumber, String idempotencyKey, String status, String callApiId,
            String claimedBy, Instant leaseUntil) {
    }

    /** The calls as the stopped application left them, read straight from its H2 file. */
    private Map<Long, Row> readDatabase() throws Exception {
        String url = "jdbc:h2:file:" + dataDir.resolve("call-scheduler");
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(
                        "SELECT id, phone_number, idempotency_key, status, call_api_id, claimed_by, lease_until"
                                + " FROM scheduled_calls")) {
            List<Row> rows = new ArrayList<>();
            while (rs.next()) {
                OffsetDateTime lease = rs.getObject("lease_until", OffsetDateTime.class);
                rows.add(new Row(rs.getLong("id"), rs.getString("phone_number"), rs.getString("idempotency_key"),
                        rs.getString("status"), rs.getString("call_api_id"),
                        rs.getString("claimed_by"), lease == null ? null : lease.toInstant()));
            }
            return rows.stream().collect(Collectors.toMap(Row::id, Function.identity()));
        }
    }
}
