package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Each event type, produced by the scenario that causes it, with a detail a person can read. (deferred, expired,
 * retry_scheduled after an outcome and in_doubt are in CallingRulesDispatchTest and CallApiFaultsTest.)
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class EventDetailTest {

    private static final String TIME = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z";

    @Inject
    CallFixtures fixtures;

    @Inject
    DispatchJob dispatchJob;

    @Inject
    CallPollJob pollJob;

    WireMockServer callApi = WireMockCallApi.server();

    @BeforeEach
    void clean() {
        WireMockCallApi.reset();
        fixtures.deleteAll();
    }

    @Test
    void aCallThatFailsOnceThenRingsAndCompletesTellsEachStep() {
        callApi.stubFor(post("/api/call").inScenario("flaky").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        callApi.stubFor(post("/api/call").inScenario("flaky").whenScenarioStateIs("up")
                .willReturn(okJson("{\"call_id\": \"c-1\", \"status\": \"initiated\"}")));
        callApi.stubFor(get("/api/call/c-1").willReturn(okJson("{\"call_id\": \"c-1\", \"status\": \"ringing\"}")));
        long id = fixtures.insertPending(1, "+14155550140", Instant.now().minusMillis(5)).get(0);
        CallDispatcher dispatcher = dispatchJob.newDispatcher("story");

        dispatchAll(dispatcher);
        fixtures.change(id, call -> call.nextAttemptAt = Instant.now().minusMillis(1)); // past the back-off
        dispatchAll(dispatcher);
        pollJob.poll();
        callApi.stubFor(get("/api/call/c-1").willReturn(okJson("{\"call_id\": \"c-1\", \"status\": \"completed\"}")));
        pollJob.poll();

        List<Map<String, String>> events = fixtures.events(id);
        assertEquals(List.of("sent", "send_failed", "retry_scheduled", "sent", "accepted", "status_changed",
                "status_changed", "completed"), events.stream().map(e -> e.get("type")).toList());
        assertEquals("POST to the Call API, attempt 1", events.get(0).get("detail"));
        assertThat(events.get(1).get("detail"), matchesPattern(
                "Attempt 1 of 3 failed: the Call API answered HTTP 503; retrying at " + TIME));
        assertThat(events.get(2).get("detail"), matchesPattern("Retry 2 of 3 at " + TIME));
        assertEquals("POST to the Call API, attempt 2", events.get(3).get("detail"));
        assertEquals("Call API accepted attempt 2: call_id c-1, initiated", events.get(4).get("detail"));
        assertEquals("Call API reported ringing", events.get(5).get("detail"));
        assertEquals("Call API reported completed", events.get(6).get("detail"));
        assertEquals("Call completed", events.get(7).get("detail"));
        assertEquals(CallStatus.COMPLETED, fixtures.find(id).status);
    }

    @Test
    void aRejectedCallAndOneThatEndsFailedSayWhy() {
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(400)));
        long rejected = fixtures.insertPending(1, "+14155550141", Instant.now().minusMillis(5)).get(0);
        dispatchAll(dispatchJob.newDispatcher("story"));
        List<Map<String, String>> events = fixtures.events(rejected);
        assertEquals(List.of("sent", "send_failed", "failed"), events.stream().map(e -> e.get("type")).toList());
        assertEquals("Rejected by the Call API: the Call API answered HTTP 400", events.get(2).get("detail"));

        callApi.stubFor(post("/api/call").willReturn(okJson("{\"call_id\": \"c-2\", \"status\": \"initiated\"}")));
        callApi.stubFor(get("/api/call/c-2").willReturn(okJson("{\"call_id\": \"c-2\", \"status\": \"failed\"}")));
        long ended = fixtures.insertPending(1, "+14155550142", Instant.now().minusMillis(5)).get(0);
        dispatchAll(dispatchJob.newDispatcher("story"));
        pollJob.poll();
        events = fixtures.events(ended);
        assertEquals("failed", events.get(events.size() - 1).get("type"));
        assertEquals("Call ended with status failed", events.get(events.size() - 1).get("detail"));
    }

    private static void dispatchAll(CallDispatcher dispatcher) {
        dispatcher.dispatchDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.unrecorded() == 0);
    }
}
