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

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The dial promise across a crash: the packaged application is killed with kill -9 in the middle of a
 * burst and started again on the same H2 file, against a Call API that ignores idempotency keys (each
 * POST is a new call, a new ring). Every call is POSTed exactly once, except the calls in doubt (sent
 * by the killed process, answer not recorded), which are POSTed once more and carry an in_doubt event.
 */
class KillInABurstIT {

    private static final int CALLS = 600;
    private static final int MAX_IN_FLIGHT = 16;

    private WireMockServer callApi;
    private Path dataDir;

    @BeforeEach
    void startCallApi() throws Exception {
        callApi = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort().containerThreads(64));
        callApi.start();
        // A new call_id for every POST, whatever its Idempotency-Key.
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"call_id\": \"sid-{{randomValue length=16 type='ALPHANUMERIC'}}\", \"status\": \"initiated\"}")
                .withTransformers("response-template")
                .withFixedDelay(200)));
        callApi.stubFor(get(urlPathMatching("/api/call/.+")).willReturn(
                okJson("{\"call_id\": \"{{request.pathSegments.[2]}}\", \"status\": \"completed\"}")
                        .withTransformers("response-template")));
        dataDir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "kill-in-a-burst-it-");
    }

    @AfterEach
    void stopCallApi() {
        callApi.stop();
    }

    @Test
    void killMinus9InABurstPostsEachCallOnceExceptTheCallsInDoubt() throws Exception {
        Map<Long, Burst.Scheduled> calls;
        int postsAtKill;
        try (AppProcess first = AppProcess.start("kill-in-a-burst-first", settings("burst-first"))) {
            calls = Burst.schedule(List.of(first), CALLS, Instant.now().plusSeconds(3));
            await().atMost(Duration.ofSeconds(90)).until(() -> postsPerNumber().size() >= CALLS / 4);
            first.kill();
            postsAtKill = postsPerNumber().values().stream().mapToInt(Long::intValue).sum();
        }
        Map<String, Long> idsByPhone = calls.entrySet().stream()
                .collect(Collectors.toMap(e -> e.getValue().phoneNumber(), Map.Entry::getKey));

        try (AppProcess second = AppProcess.start("kill-in-a-burst-second", settings("burst-second"))) {
            await().atMost(Duration.ofMinutes(3)).until(() -> postsPerNumber().size() == CALLS);
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given()
                    .get(second.baseUrl() + "/api/calls?status=pending")
                    .then().statusCode(200).header("X-Total-Count", "0"));
        }

        Set<Long> inDoubt = inDoubtCalls();
        Map<Long, Long> postsPerCall = postsPerNumber().entrySet().stream()
                .collect(Collectors.toMap(e -> idsByPhone.get(e.getKey()), Map.Entry::getValue));
        Map<Long, Long> repeated = postsPerCall.entrySet().stream().filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        System.out.printf("KillInABurstIT: killed after %d POSTs of %d calls; %d calls in doubt, %d POSTed twice%n",
                postsAtKill, CALLS, inDoubt.size(), repeated.size());

        assertEquals(calls.keySet(), postsPerCall.keySet(), "every call reached the Call API");
        assertTrue(postsAtKill < CALLS, "the burst was over before the kill: this test shows nothing");
        assertTrue(inDoubt.containsAll(repeated.keySet()), "POSTed twice without being in doubt: "
                + repeated.keySet().stream().filter(id -> !inDoubt.contains(id)).limit(10).toList());
        repeated.values().forEach(n -> assertEquals(2L, n, "a call in doubt is POSTed once more, no more"));
        assertTrue(inDoubt.size() <= MAX_IN_FLIGHT, "in doubt: at most the POSTs in flight at the kill, was "
                + inDoubt.size());
    }

    private Map<String, String> settings(String instanceId) {
        Map<String, String> settings = new HashMap<>();
        settings.put("call-scheduler.data-dir", dataDir.toString());
        settings.put("call-scheduler.call-api.url", callApi.baseUrl());
        settings.put("call-scheduler.dispatch.instance-id", instanceId);
        settings.put("call-scheduler.dispatch.max-in-flight", String.valueOf(MAX_IN_FLIGHT));
        // A short lease, so the restarted process takes over the killed one's calls soon; twice the longest dial.
        settings.put("call-scheduler.call-api.connect-timeout", "500ms");
        settings.put("call-scheduler.call-api.read-timeout", "3s");
        settings.put("call-scheduler.dispatch.lease", "10s");
        settings.put("call-scheduler.security.rate-limit.enabled", "false");
        settings.put("call-scheduler.poll.interval", "1s");
        return settings;
    }

    /** POSTs the Call API received per phone number (each call has its own). */
    private Map<String, Long> postsPerNumber() {
        return callApi.findAll(postRequestedFor(urlEqualTo("/api/call"))).stream()
                .map(request -> JsonPath.from(request.getBodyAsString()).getString("phone_number"))
                .collect(Collectors.groupingBy(Function.identity(), HashMap::new, Collectors.counting()));
    }

    /** The calls with an in_doubt event, read from the H2 file once the application has stopped. */
    private Set<Long> inDoubtCalls() throws Exception {
        String url = "jdbc:h2:file:" + dataDir.resolve("call-scheduler");
        Set<Long> ids = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT DISTINCT call_id FROM call_events WHERE type = 'in_doubt'")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }
}
