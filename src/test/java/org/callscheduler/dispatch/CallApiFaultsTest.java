package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.callscheduler.call.CallService;
import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.provider.CallApiClient;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Dispatch and polling against a WireMock Call API that fails in every way the contract names.
 * The background jobs are off; each test runs the dispatcher or the poller itself.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class CallApiFaultsTest {

    private static final String PHONE = "+14155550123";

    @Inject
    CallFixtures fixtures;

    @Inject
    DispatchJob dispatchJob;

    @Inject
    CallPollJob pollJob;

    @Inject
    CallService calls;

    @Inject
    CallApiClient api;

    @Inject
    DispatchConfig config;

    WireMockServer callApi = WireMockCallApi.server();

    @BeforeEach
    void clean() {
        WireMockCallApi.reset();
        fixtures.deleteAll();
    }

    // ---- dialling

    @Test
    void dialSendsThePhoneNumberAndAnIdempotencyKey() {
        acceptCalls();
        long id = dueCall();

        dispatchAll(dispatchJob.newDispatcher("test"));

        String key = fixtures.find(id).idempotencyKey;
        assertTrue(key.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"), "a random UUID: " + key);
        callApi.verify(1, postRequestedFor(urlEqualTo("/api/call"))
                .withHeader("Idempotency-Key", equalTo(key))
                .withHeader("Content-Type", com.github.tomakehurst.wiremock.client.WireMock.containing("application/json"))
                .withRequestBody(equalToJson("{\"phone_number\": \"" + PHONE + "\"}")));
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.IN_PROGRESS, call.status);
        assertEquals("provider-1", call.callApiId);
        assertEquals("initiated", call.callStatus);
        assertEquals(1, call.attempts);
        assertNull(call.claimedBy);
        assertNull(call.claimToken);
        assertEquals(List.of("sent", "accepted"), fixtures.eventTypes(id));
        assertThat(fixtures.events(id).get(1).get("detail"), containsString("call_id provider-1"));
    }

    @Test
    void aServerErrorIsRetriedWithBackoffAndFailsWhenTheAttemptsAreSpent() {
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(503)));
        long id = dueCall();
        CallDispatcher dispatcher = dispatchJob.newDispatcher("test");

        Instant before = Instant.now();
        dispatchAll(dispatcher);

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.PENDING, call.status);
        assertEquals(1, call.attempts);
        assertThat(call.errorMessage, containsString("HTTP 503"));
        assertTrue(call.nextAttemptAt.isAfter(before.plusMillis(900)), "back-off of about 1 s: " + call.nextAttemptAt);

        dispatchAll(dispatcher);
        assertEquals(1, posts().size(), "not dialled again before the back-off");

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            dispatchAll(dispatcher);
            return fixtures.find(id).status == CallStatus.FAILED;
        });
        call = fixtures.find(id);
        assertEquals(config.maxAttempts(), call.attempts);
        assertEquals(config.maxAttempts(), posts().size());
        assertThat(call.errorMessage, containsString("after 3 attempts"));
        assertThat(call.errorMessage, containsString("HTTP 503"));
    }

    @Test
    void aRejectionFailsTheCallAtOnce() {
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(422).withBody("{\"error\":\"bad number\"}")));
        long id = dueCall();

        dispatchAll(dispatchJob.newDispatcher("test"));

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status);
        assertThat(call.errorMessage, containsString("Rejected"));
        assertThat(call.errorMessage, containsString("422"));
        assertEquals(1, posts().size());
    }

    @Test
    void aSlowAnswerTimesOutAndIsRetried() {
        callApi.stubFor(post("/api/call").willReturn(okJson(accepted("late")).withFixedDelay(3000)));
        long id = dueCall();

        dispatchAll(dispatchJob.newDispatcher("test"));

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.PENDING, call.status);
        assertEquals(1, call.attempts);
        assertThat(call.errorMessage, containsString("timeout"));
        assertEquals(1, posts().size(), "a POST that may have arrived is not resent at once");
    }

    @Test
    void aMalformedAnswerIsRetried() {
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("{\"call_id\": ")));
        long broken = dueCall();
        dispatchAll(dispatchJob.newDispatcher("test"));

        callApi.stubFor(post("/api/call").willReturn(okJson("{\"status\": \"initiated\"}")));
        long withoutId = dueCall();
        dispatchAll(dispatchJob.newDispatcher("test"));

        for (long id : List.of(broken, withoutId)) {
            ScheduledCall call = fixtures.find(id);
            assertEquals(CallStatus.PENDING, call.status);
            assertThat(call.errorMessage, containsString("malformed"));
        }
    }

    @Test
    void aRefusedConnectionIsRetriedAndTheCallIsDialledAfterRecovery() {
        long id = dueCall();
        CallDispatcher dispatcher = dispatchJob.newDispatcher("test");
        callApi.stop();

        // The first attempt may go out on a connection kept open since an earlier test, which the stop closed
        // ("Connection was closed", a failed attempt too); the next one finds the port refusing connections.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            dispatchAll(dispatcher);
            String error = fixtures.find(id).errorMessage;
            return error != null && error.contains("cannot connect");
        });

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.PENDING, call.status);
        int failedAttempts = call.attempts;
        assertTrue(failedAttempts == 1 || failedAttempts == 2, failedAttempts + " attempts");

        // Readiness reports the outage as data and stays UP: the calls are kept and retried.
        io.restassured.RestAssured.given().get("/q/health/ready").then()
                .statusCode(200)
                .body("checks.find { it.name == 'call-api' }.status", org.hamcrest.Matchers.equalTo("UP"))
                .body("checks.find { it.name == 'call-api' }.data.reachable", org.hamcrest.Matchers.equalTo(false))
                .body("checks.find { it.name == 'call-api' }.data.last_failure", containsString("cannot connect"));

        callApi.start();
        acceptCalls();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            dispatchAll(dispatcher);
            return fixtures.find(id).status == CallStatus.IN_PROGRESS;
        });
        assertEquals(failedAttempts + 1, fixtures.find(id).attempts);
        assertEquals(1, posts().size());
    }

    // ---- exactly once

    @Test
    void twoDispatchersRacingOnTheSameDueCallsDialEachExactlyOnce() {
        acceptCalls();
        List<Long> ids = fixtures.insertPending(500, PHONE, Instant.now().minusSeconds(1));
        CallDispatcher a = dispatchJob.newDispatcher("racer-a");
        CallDispatcher b = dispatchJob.newDispatcher("racer-b");

        CompletableFuture<Integer> claimedByA = CompletableFuture.supplyAsync(a::dispatchDue);
        CompletableFuture<Integer> claimedByB = CompletableFuture.supplyAsync(b::dispatchDue);
        int claimed = claimedByA.join() + claimedByB.join();
        await().atMost(Duration.ofSeconds(30)).until(() -> a.unrecorded() == 0 && b.unrecorded() == 0);

        // Each call is claimed once: no more are claimed than there are free dial slots, so none is given back.
        assertEquals(500, claimed);
        Map<String, Long> postsPerKey = posts().stream()
                .collect(Collectors.groupingBy(r -> r.getHeader("Idempotency-Key"), Collectors.counting()));
        assertEquals(500, postsPerKey.size());
        assertTrue(postsPerKey.values().stream().allMatch(n -> n == 1), "a call was dialled twice: " + postsPerKey);
        ids.forEach(id -> assertTrue(postsPerKey.containsKey(fixtures.find(id).idempotencyKey)));
        assertEquals(500, fixtures.count(CallStatus.IN_PROGRESS));
    }

    @Test
    void aCallClaimedAndNeverSentByAnInstanceThatDiedIsSimplyDialled() {
        acceptCalls();
        long id = dueCall();
        fixtures.claim(id, "dead-instance", Instant.now().minusSeconds(1));

        dispatchAll(dispatchJob.newDispatcher("survivor"));

        callApi.verify(1, postRequestedFor(urlEqualTo("/api/call")));
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.IN_PROGRESS, call.status);
        assertEquals(1, call.attempts, "the dead instance never sent it");
        assertEquals(List.of("sent", "accepted"), fixtures.eventTypes(id), "not in doubt");
    }

    @Test
    void aCallInDoubtIsDialledAgainWithTheSameKeyAndItsInDoubtEventSaysSo() {
        acceptCalls();
        long id = dueCall();
        fixtures.claimAndSend(id, "dead-instance", Instant.now().minusSeconds(1));

        dispatchAll(dispatchJob.newDispatcher("survivor"));

        callApi.verify(1, postRequestedFor(urlEqualTo("/api/call"))
                .withHeader("Idempotency-Key", equalTo(fixtures.find(id).idempotencyKey)));
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.IN_PROGRESS, call.status);
        assertEquals(2, call.attempts);
        assertEquals(List.of("in_doubt", "sent", "accepted"), fixtures.eventTypes(id));
        String detail = fixtures.events(id).get(0).get("detail");
        assertThat(detail, containsString("dead-instance sent attempt 1"));
        assertThat(detail, containsString("dialling again (takeover=redial)"));
    }

    @Test
    void aCallWhoseClaimIsStillLiveIsLeftAlone() {
        acceptCalls();
        long id = dueCall();
        fixtures.claim(id, "busy-instance", Instant.now().plusSeconds(60));

        assertEquals(0, dispatchAll(dispatchJob.newDispatcher("other")));

        assertEquals(0, posts().size());
        assertEquals("busy-instance", fixtures.find(id).claimedBy);
    }

    @Test
    void atMostOnceTakeoverFailsOnlyTheCallsInDoubt() {
        acceptCalls();
        long inDoubt = dueCall();
        long neverSent = dueCall();
        fixtures.claimAndSend(inDoubt, "dead-instance", Instant.now().minusSeconds(1));
        fixtures.claim(neverSent, "dead-instance", Instant.now().minusSeconds(1));
        DispatchConfig atMostOnce = withTakeover(DispatchConfig.Takeover.FAIL);

        dispatchAll(dispatchJob.newDispatcher("survivor", atMostOnce));

        assertEquals(1, posts().size(), "only the call that was never sent");
        ScheduledCall failed = fixtures.find(inDoubt);
        assertEquals(CallStatus.FAILED, failed.status);
        assertThat(failed.errorMessage, containsString("dead-instance"));
        assertThat(failed.errorMessage, containsString("outcome unknown"));
        assertEquals(List.of("in_doubt", "failed"), fixtures.eventTypes(inDoubt));
        assertThat(fixtures.events(inDoubt).get(0).get("detail"), containsString("takeover=fail"));
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(neverSent).status);
    }

    @Test
    void noMoreCallsAreClaimedThanThereAreFreeDialSlots() {
        callApi.stubFor(post("/api/call").willReturn(okJson(accepted("slow")).withFixedDelay(700)));
        List<Long> ids = fixtures.insertPending(3, PHONE, Instant.now().minusSeconds(1));
        CallDispatcher oneSlot = dispatchJob.newDispatcher("slow-lane", with(DispatchConfig.Takeover.REDIAL,
                config.lease(), 1));
        List<Integer> claimedAtOnce = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Integer> run = CompletableFuture.supplyAsync(oneSlot::dispatchDue);
        while (!run.isDone()) {
            // Claimed and not yet sent: with one slot, never more than the one call about to be sent.
            claimedAtOnce.add((int) ids.stream().map(fixtures::find)
                    .filter(c -> c.claimedBy != null && c.sentAt == null).count());
        }

        assertEquals(3, run.join(), "each call claimed once");
        assertTrue(claimedAtOnce.stream().allMatch(n -> n <= 1), "claimed at once: " + claimedAtOnce);
        await().atMost(Duration.ofSeconds(10)).until(() -> oneSlot.unrecorded() == 0);
        assertEquals(3, posts().size());
        ids.forEach(id -> assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status));
    }

    @Test
    void readinessShowsHowLateTheOldestOverdueCallIs() {
        fixtures.insertPending(1, PHONE, Instant.now().minusSeconds(30));

        io.restassured.RestAssured.given().get("/q/health/ready").then()
                .statusCode(200)
                .body("checks.find { it.name == 'calls' }.data.pending", org.hamcrest.Matchers.equalTo(1))
                .body("checks.find { it.name == 'calls' }.data.oldest_overdue_lag_ms",
                        org.hamcrest.Matchers.greaterThanOrEqualTo(30_000));
    }

    // ---- polling

    @Test
    void pollingFollowsACallToItsFinalStatus() {
        long completed = fixtures.insertInProgress("p-done", Instant.now());
        long busy = fixtures.insertInProgress("p-busy", Instant.now());
        long ringing = fixtures.insertInProgress("p-ringing", Instant.now());
        long unknown = fixtures.insertInProgress("p-unknown", Instant.now());
        long garbled = fixtures.insertInProgress("p-garbled", Instant.now());
        callApi.stubFor(get("/api/call/p-done").willReturn(okJson(status("p-done", "completed"))));
        callApi.stubFor(get("/api/call/p-busy").willReturn(okJson(status("p-busy", "busy"))));
        callApi.stubFor(get("/api/call/p-ringing").willReturn(okJson(status("p-ringing", "ringing"))));
        callApi.stubFor(get("/api/call/p-unknown").willReturn(aResponse().withStatus(404)));
        callApi.stubFor(get("/api/call/p-garbled").willReturn(okJson(status("p-garbled", "exploded"))));

        assertEquals(5, pollJob.poll());

        assertEquals(CallStatus.COMPLETED, fixtures.find(completed).status);
        assertEquals("completed", fixtures.find(completed).callStatus);
        assertEquals(CallStatus.FAILED, fixtures.find(busy).status);
        assertThat(fixtures.find(busy).errorMessage, containsString("busy"));
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(ringing).status);
        assertEquals("ringing", fixtures.find(ringing).callStatus);
        assertEquals(CallStatus.FAILED, fixtures.find(unknown).status);
        assertThat(fixtures.find(unknown).errorMessage, containsString("does not know"));
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(garbled).status);
        assertEquals("initiated", fixtures.find(garbled).callStatus);
    }

    @Test
    void pollingSurvivesAnUnavailableCallApi() {
        long id = fixtures.insertInProgress("p-1", Instant.now());
        callApi.stubFor(get(urlPathMatching("/api/call/.*")).willReturn(aResponse().withStatus(500)));

        pollJob.poll();

        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status);
        callApi.stubFor(get("/api/call/p-1").willReturn(okJson(status("p-1", "completed"))));
        pollJob.poll();
        assertEquals(CallStatus.COMPLETED, fixtures.find(id).status);
    }

    @Test
    void aCallInProgressForTooLongFailsWithStatusTimeout() {
        long id = fixtures.insertInProgress("p-stuck", Instant.now().minus(Duration.ofHours(2)));
        callApi.stubFor(get("/api/call/p-stuck").willReturn(okJson(status("p-stuck", "connected"))));

        pollJob.poll();

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status);
        assertThat(call.errorMessage, containsString("status timeout"));
    }

    // ---- helpers

    private long dueCall() {
        return fixtures.insertPending(1, PHONE, Instant.now().minusMillis(10)).get(0);
    }

    private void acceptCalls() {
        callApi.stubFor(post("/api/call").willReturn(okJson(accepted("provider-1")).withStatus(201)));
    }

    private List<LoggedRequest> posts() {
        return callApi.findAll(postRequestedFor(urlEqualTo("/api/call")));
    }

    private static int dispatchAll(CallDispatcher dispatcher) {
        int claimed = dispatcher.dispatchDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.unrecorded() == 0);
        return claimed;
    }

    private static String accepted(String callId) {
        return status(callId, "initiated");
    }

    private static String status(String callId, String status) {
        return "{\"call_id\": \"" + callId + "\", \"status\": \"" + status + "\"}";
    }

    private DispatchConfig withTakeover(DispatchConfig.Takeover takeover) {
        return with(takeover, config.lease(), config.maxInFlight());
    }

    private DispatchConfig with(DispatchConfig.Takeover takeover, Duration lease, int maxInFlight) {
        return new DispatchConfig() {
            public boolean enabled() { return true; }
            public Optional<String> instanceId() { return config.instanceId(); }
            public Duration sweepInterval() { return config.sweepInterval(); }
            public int batchSize() { return config.batchSize(); }
            public int maxInFlight() { return maxInFlight; }
            public Duration lease() { return lease; }
            public int maxAttempts() { return config.maxAttempts(); }
            public Takeover takeover() { return takeover; }
            public Duration shutdownGrace() { return config.shutdownGrace(); }
        };
    }
}
