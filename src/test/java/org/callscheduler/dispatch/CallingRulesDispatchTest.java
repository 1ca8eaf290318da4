package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;
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
 * Calling windows, expiry, retries by outcome, one call per number, pacing and 429s, at the dispatcher, against a
 * WireMock Call API. The background jobs are off: each test runs the dispatcher and the poller itself.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class CallingRulesDispatchTest {

    private static final String PHONE = "+14155550123";

    @Inject
    CallFixtures fixtures;

    @Inject
    DispatchJob dispatchJob;

    @Inject
    CallPollJob pollJob;

    @Inject
    DispatchConfig config;

    @Inject
    DispatchStore store;

    @Inject
    javax.sql.DataSource dataSource;

    WireMockServer callApi = WireMockCallApi.server();

    @BeforeEach
    void clean() {
        WireMockCallApi.reset();
        fixtures.deleteAll();
    }

    // ---- expiry and windows

    @Test
    void aCallPastItsExpiryIsNeverSent() {
        acceptCalls();
        long id = dueCall(PHONE);
        fixtures.change(id, call -> call.expiresAt = Instant.now().minusSeconds(1));

        dispatchAll(dispatcher(Pacing.none()));

        assertEquals(0, posts().size());
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status);
        assertThat(call.errorMessage, startsWith("expired"));
        assertEquals(List.of("expired", "failed"), fixtures.eventTypes(id));
    }

    @Test
    void catchUpAfterDowntimeSendsOnlyTheUnexpiredCalls() {
        acceptCalls();
        List<Long> ids = fixtures.insertPending(4, PHONE, Instant.now().minus(Duration.ofHours(2)));
        fixtures.change(ids.get(0), call -> call.expiresAt = Instant.now().minus(Duration.ofHours(1)));
        fixtures.change(ids.get(1), call -> call.expiresAt = Instant.now().minus(Duration.ofMinutes(1)));
        fixtures.change(ids.get(2), call -> call.expiresAt = Instant.now().plus(Duration.ofMinutes(1)));
        fixtures.change(ids.get(3), call -> call.expiresAt = Instant.now().plus(Duration.ofHours(1)));

        dispatchAll(dispatcher(Pacing.none()));

        assertEquals(2, posts().size());
        assertEquals(CallStatus.FAILED, fixtures.find(ids.get(0)).status);
        assertEquals(CallStatus.FAILED, fixtures.find(ids.get(1)).status);
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(ids.get(2)).status);
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(ids.get(3)).status);
    }

    @Test
    void aDueCallWhoseWindowIsClosedNowIsDeferredToItsOpening() {
        acceptCalls();
        long id = dueCall(PHONE);
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        String window = hhmm(now.plusHours(2)) + "-" + hhmm(now.plusHours(3));
        fixtures.change(id, call -> {
            call.timeZone = "UTC";
            call.callingWindow = window;
            call.expiresAt = Instant.now().plus(Duration.ofDays(1));
        });

        dispatchAll(dispatcher(Pacing.none()));

        assertEquals(0, posts().size());
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.PENDING, call.status);
        assertEquals("window", call.waitReason);
        assertNull(call.claimToken);
        Duration wait = Duration.between(Instant.now(), call.nextAttemptAt);
        assertTrue(wait.compareTo(Duration.ofMinutes(118)) > 0 && wait.compareTo(Duration.ofMinutes(121)) < 0,
                "waits for the opening, about 2 h: " + wait);
        assertEquals(List.of("deferred"), fixtures.eventTypes(id));
        assertThat(fixtures.events(id).get(0).get("detail"), containsString("Calling window " + window + " is closed"));
    }

    @Test
    void aCallWhoseWindowOpensOnlyAfterItsExpiryExpires() {
        acceptCalls();
        long id = dueCall(PHONE);
        LocalTime now = LocalTime.now(ZoneOffset.UTC);
        fixtures.change(id, call -> {
            call.timeZone = "UTC";
            call.callingWindow = hhmm(now.plusHours(2)) + "-" + hhmm(now.plusHours(3));
            call.expiresAt = Instant.now().plus(Duration.ofHours(1));
        });

        dispatchAll(dispatcher(Pacing.none()));

        assertEquals(0, posts().size());
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status);
        assertThat(call.errorMessage, startsWith("expired: its calling window"));
    }

    // ---- retries by outcome

    @Test
    void aBusyCallIsDialledAgainAfterItsDelayWithANewKeyAndItsFinalFailureNamesEveryOutcome() {
        callApi.stubFor(post("/api/call").willReturn(okJson(status("p-1", "initiated"))));
        callApi.stubFor(get("/api/call/p-1").willReturn(okJson(status("p-1", "busy"))));
        long id = dueCall(PHONE);
        fixtures.change(id, call -> {
            call.retryOn = "busy,no-answer";
            call.retryMax = 1;
            call.retryDelaySeconds = 600;
            call.expiresAt = Instant.now().plus(Duration.ofHours(1));
        });
        String firstKey = fixtures.find(id).idempotencyKey;
        CallDispatcher dispatcher = dispatcher(Pacing.none());

        dispatchAll(dispatcher);
        pollJob.poll();

        ScheduledCall waiting = fixtures.find(id);
        assertEquals(CallStatus.PENDING, waiting.status);
        assertEquals("busy", waiting.callStatus);
        assertEquals("retry", waiting.waitReason);
        assertEquals(1, waiting.attempts);
        Duration delay = Duration.between(Instant.now(), waiting.nextAttemptAt);
        assertTrue(delay.compareTo(Duration.ofMinutes(9)) > 0 && delay.compareTo(Duration.ofMinutes(10)) <= 0,
                "dialled again after 10 minutes: " + delay);
        assertNotEquals(firstKey, waiting.idempotencyKey, "a new dial has a new Idempotency-Key");
        assertThat(fixtures.events(id).get(fixtures.events(id).size() - 1).get("detail"),
                containsString("retry 1 of 1 at"));

        dispatchAll(dispatcher);
        assertEquals(1, posts().size(), "not before its delay");

        fixtures.change(id, call -> call.nextAttemptAt = Instant.now().minusMillis(1));
        dispatchAll(dispatcher);
        pollJob.poll();

        List<LoggedRequest> posts = posts();
        assertEquals(2, posts.size());
        assertEquals(firstKey, posts.get(0).getHeader("Idempotency-Key"));
        assertEquals(waiting.idempotencyKey, posts.get(1).getHeader("Idempotency-Key"));
        ScheduledCall ended = fixtures.find(id);
        assertEquals(CallStatus.FAILED, ended.status);
        assertEquals(2, ended.attempts);
        assertEquals("Call ended with status busy after 2 dials (busy, busy)", ended.errorMessage);
        assertEquals(List.of("sent", "accepted", "status_changed", "retry_scheduled", "sent", "accepted",
                "status_changed", "failed"), fixtures.eventTypes(id));
    }

    @Test
    void aCallWaitingForAnOutcomeRetryCanBeDeletedAndIsNeverDialledAgain() {
        callApi.stubFor(post("/api/call").willReturn(okJson(status("p-6", "initiated"))));
        callApi.stubFor(get("/api/call/p-6").willReturn(okJson(status("p-6", "no-answer"))));
        long id = dueCall(PHONE);
        fixtures.change(id, call -> {
            call.retryOn = "no-answer";
            call.retryMax = 1;
            call.retryDelaySeconds = 60;
        });
        CallDispatcher dispatcher = dispatcher(Pacing.none());
        dispatchAll(dispatcher);
        pollJob.poll();
        assertEquals(CallStatus.PENDING, fixtures.find(id).status);

        io.restassured.RestAssured.given().delete("/api/calls/" + id).then().statusCode(204);

        fixtures.insertPending(1, "+14155550177", Instant.now().minusMillis(1));
        dispatchAll(dispatcher);
        assertEquals(2, posts().size(), "the other call only");
        assertEquals(1, posts().stream().filter(r -> r.getBodyAsString().contains(PHONE)).count());
    }

    @Test
    void anOutcomeThatIsNotRetriedEndsTheCall() {
        callApi.stubFor(post("/api/call").willReturn(okJson(status("p-2", "initiated"))));
        callApi.stubFor(get("/api/call/p-2").willReturn(okJson(status("p-2", "no-answer"))));
        long id = dueCall(PHONE);
        fixtures.change(id, call -> {
            call.retryOn = "busy";
            call.retryMax = 3;
            call.retryDelaySeconds = 60;
        });

        dispatchAll(dispatcher(Pacing.none()));
        pollJob.poll();

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status);
        assertEquals("Call ended with status no-answer", call.errorMessage);
    }

    @Test
    void aRetryThatWouldComeAfterTheExpiryIsNotMade() {
        callApi.stubFor(post("/api/call").willReturn(okJson(status("p-3", "initiated"))));
        callApi.stubFor(get("/api/call/p-3").willReturn(okJson(status("p-3", "busy"))));
        long id = dueCall(PHONE);
        fixtures.change(id, call -> {
            call.retryOn = "busy";
            call.retryMax = 2;
            call.retryDelaySeconds = 3600;
            call.expiresAt = Instant.now().plus(Duration.ofMinutes(30));
        });

        dispatchAll(dispatcher(Pacing.none()));
        pollJob.poll();

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status);
        assertThat(call.errorMessage, containsString("not retried"));
        assertThat(call.errorMessage, containsString("expires_at"));
    }

    // ---- one call at a time per number

    @Test
    void aSecondCallToANumberWaitsUntilTheFirstHasEnded() {
        callApi.stubFor(post("/api/call").willReturn(okJson(status("p-4", "initiated"))));
        callApi.stubFor(get("/api/call/p-4").willReturn(okJson(status("p-4", "ringing"))));
        long first = dueCall(PHONE);
        long second = fixtures.insertPending(1, PHONE, Instant.now().minusMillis(5)).get(0);
        CallDispatcher dispatcher = dispatcher(Pacing.none());

        dispatchAll(dispatcher);
        pollJob.poll();
        dispatchAll(dispatcher);

        assertEquals(1, posts().size(), "one call to a person at a time");
        assertEquals(CallStatus.PENDING, fixtures.find(second).status);

        callApi.stubFor(get("/api/call/p-4").willReturn(okJson(status("p-4", "completed"))));
        pollJob.poll();
        assertEquals(CallStatus.COMPLETED, fixtures.find(first).status);
        dispatchAll(dispatcher);

        assertEquals(2, posts().size());
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(second).status);
    }

    @Test
    void minGapPerNumberHoldsTheNextCallAfterOneEnded() {
        acceptCalls();
        fixtures.insertFinished(CallStatus.COMPLETED, PHONE);
        long sameNumber = dueCall(PHONE);
        long otherNumber = dueCall("+14155550188");

        dispatchAll(dispatcher(new Pacing(0, 0, Duration.ofHours(1), Duration.ofHours(1))));

        assertEquals(1, posts().size());
        assertEquals(CallStatus.PENDING, fixtures.find(sameNumber).status);
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(otherNumber).status);

        dispatchAll(dispatcher(Pacing.none()));
        assertEquals(CallStatus.IN_PROGRESS, fixtures.find(sameNumber).status, "without the gap it goes at once");
    }

    // ---- pacing

    @Test
    void noMoreCallsAreInProgressThanMaxActiveCalls() {
        acceptCalls();
        List<Long> ids = fixtures.insertPending(5, PHONE, Instant.now().minusSeconds(1));
        CallDispatcher dispatcher = dispatcher(Pacing.maxActiveCalls(2));

        dispatchAll(dispatcher);
        dispatchAll(dispatcher);

        assertEquals(2, posts().size());
        assertEquals(2, ids.stream().filter(id -> fixtures.find(id).status == CallStatus.IN_PROGRESS).count());
    }

    @Test
    void callsPerSecondSpacesThePosts() {
        acceptCalls();
        int count = 30;
        fixtures.insertPending(count, PHONE, Instant.now().minusSeconds(1));
        CallDispatcher dispatcher = dispatcher(Pacing.callsPerSecond(20));

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            dispatchAll(dispatcher);
            return posts().size() == count;
        });

        List<Instant> sent = new ArrayList<>(posts().stream().map(r -> r.getLoggedDate().toInstant()).sorted().toList());
        int most = 0;
        for (int i = 0; i < sent.size(); i++) {
            int j = i;
            while (j < sent.size() && sent.get(j).isBefore(sent.get(i).plusSeconds(1))) {
                j++;
            }
            most = Math.max(most, j - i);
        }
        assertTrue(most <= 20, "at most 20 POSTs in any second: " + most);
        Duration span = Duration.between(sent.get(0), sent.get(sent.size() - 1));
        assertTrue(span.compareTo(Duration.ofMillis(1400)) >= 0, "30 calls at 20/s take about 1.45 s: " + span);
    }

    @Test
    void aClaimThatWaitedForThePacingRowHandsOutSlotsFromWhenItGotIt() throws Exception {
        fixtures.insertPending(3, PHONE, Instant.now().minusSeconds(1));
        Instant asked = DispatchStore.now();
        java.util.concurrent.CompletableFuture<DispatchStore.Claim> claim;
        Instant released;
        // Another instance's claim holds the pacing row for 300 ms while this one asks for it.
        try (java.sql.Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (java.sql.Statement lock = other.createStatement()) {
                lock.executeQuery("SELECT next_send_at FROM dispatch_pacing WHERE id = 1 FOR UPDATE").close();
            }
            claim = java.util.concurrent.CompletableFuture.supplyAsync(() -> store.claim("waited/1", 3, asked,
                    asked.plusSeconds(30), false, DispatchStore.InDoubt.REDIAL, 5, Pacing.callsPerSecond(20)));
            Thread.sleep(300); // the other claim's transaction: the scenario
            released = Instant.now();
            other.commit();
        }

        List<ClaimedCall> calls = claim.get(10, java.util.concurrent.TimeUnit.SECONDS).calls();
        assertEquals(3, calls.size());
        // Slots from before the wait would all be past by now, and the three POSTs would leave at once.
        assertTrue(!calls.get(0).sendAt().isBefore(released), "first slot " + calls.get(0).sendAt()
                + ", the pacing row was free at " + released);
        // 1/20 s apart, and the 2% margin (DispatchStore.SLOT_MARGIN).
        assertEquals(Duration.ofMillis(51), Duration.between(calls.get(0).sendAt(), calls.get(1).sendAt()));
    }

    @Test
    void aClaimThatWaitedForThePacingRowAlsoClaimsForTheDialSlotsFreedMeanwhile() throws Exception {
        fixtures.insertPending(6, PHONE, Instant.now().minusSeconds(1));
        Instant asked = DispatchStore.now();
        java.util.concurrent.atomic.AtomicReference<Instant> countedAt = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CompletableFuture<DispatchStore.Claim> claim;
        Instant released;
        // Another instance's claim holds the pacing row for 300 ms; one dial slot was free when this claim asked for
        // the row, and the answers of three more POSTs came back while it waited.
        try (java.sql.Connection other = dataSource.getConnection()) {
            other.setAutoCommit(false);
            try (java.sql.Statement lock = other.createStatement()) {
                lock.executeQuery("SELECT next_send_at FROM dispatch_pacing WHERE id = 1 FOR UPDATE").close();
            }
            claim = java.util.concurrent.CompletableFuture.supplyAsync(() -> store.claim("waited/1", 1, () -> {
                countedAt.set(Instant.now());
                return 3;
            }, asked, asked.plusSeconds(30), false, DispatchStore.InDoubt.REDIAL, 5, Pacing.none()));
            Thread.sleep(300);
            released = Instant.now();
            other.commit();
        }

        assertEquals(4, claim.get(10, java.util.concurrent.TimeUnit.SECONDS).calls().size(),
                "one call for the slot free when it asked, three for the slots freed while it waited");
        assertTrue(!countedAt.get().isBefore(released), "the free slots counted at " + countedAt.get()
                + ", once the pacing row was free (" + released + ")");
    }

    @Test
    void claimsThatTakeTheSlotsFreedMeanwhileKeepToMaxInFlight() {
        // Answers after 200 ms: with 3 dial slots, 12 calls go out in rounds, never more than 3 waiting at once.
        callApi.stubFor(post("/api/call").willReturn(okJson(status("provider-1", "initiated")).withStatus(201)
                .withFixedDelay(200)));
        fixtures.insertPending(12, PHONE, Instant.now().minusSeconds(1));

        // A slot taken and never given back would leave the dispatcher waiting for it for ever.
        CallDispatcher dispatcher = dispatcher(Pacing.none(), 3);
        assertEquals(12, org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> dispatchAll(dispatcher)));

        List<Instant> received = posts().stream().map(post -> post.getLoggedDate().toInstant()).sorted().toList();
        assertEquals(12, received.size());
        // A slot is free again only once its answer is in, 200 ms after its POST: in any 180 ms, at most 3 POSTs.
        for (int i = 3; i < received.size(); i++) {
            assertTrue(Duration.between(received.get(i - 3), received.get(i)).toMillis() >= 180,
                    "POSTs " + (i - 2) + " to " + (i + 1) + " within 180 ms: " + received);
        }
    }

    // ---- 429

    @Test
    void the429sOfOneRoundDoubleTheBackOffOnce() {
        fixtures.insertPending(3, PHONE, Instant.now().minusSeconds(1));
        Instant now = DispatchStore.now();
        List<ClaimedCall> round = store.claim("round/1", 2, now, now.plusSeconds(30), false,
                DispatchStore.InDoubt.REDIAL, 5, Pacing.none()).calls();
        store.markSent(round.get(0).token(), now);

        // Both POSTs were sent before the first 429 came back: their 429s (no Retry-After) make one pause of 1 s.
        store.recordResults(List.of(new DialResult.Throttled(round.get(0), null, "429")), now);
        store.recordResults(List.of(new DialResult.Throttled(round.get(1), null, "429")), now.plusMillis(100));
        assertEquals(now.plusMillis(1100), fixtures.pausedUntil(), "the second 429 of the round keeps the pause of 1 s");

        // The next POST, after the pause, gets a 429 too: that pause is twice as long.
        Instant later = now.plusMillis(1500);
        List<ClaimedCall> next = store.claim("round/1", 1, later, later.plusSeconds(30), false,
                DispatchStore.InDoubt.REDIAL, 5, Pacing.none()).calls();
        assertEquals(1, next.size());
        store.markSent(next.get(0).token(), later);
        store.recordResults(List.of(new DialResult.Throttled(next.get(0), null, "429")), later);
        assertEquals(later.plusSeconds(2), fixtures.pausedUntil());
    }

    @Test
    void a429PausesSendingForItsRetryAfterAndIsNoFailedAttempt() {
        callApi.stubFor(post("/api/call").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "10")));
        long id = dueCall(PHONE);
        long other = fixtures.insertPending(1, "+14155550199", Instant.now().minusMillis(5)).get(0);
        CallDispatcher dispatcher = dispatcher(new Pacing(0, 0, Duration.ZERO, Duration.ofHours(1)), 1);

        Instant before = Instant.now();
        dispatchAll(dispatcher);

        assertEquals(1, posts().size());
        long throttled = fixtures.find(id).attempts == 1 ? id : other;
        ScheduledCall call = fixtures.find(throttled);
        assertEquals(CallStatus.PENDING, call.status);
        assertEquals(1, call.attempts, "it was POSTed");
        assertEquals(0, call.dialPosts, "but that is no failed attempt");
        assertEquals("throttled", call.waitReason);
        Instant paused = fixtures.pausedUntil();
        assertNotNull(paused);
        Duration pause = Duration.between(before, paused);
        assertTrue(pause.compareTo(Duration.ofSeconds(9)) > 0 && pause.compareTo(Duration.ofSeconds(11)) < 0,
                "paused for its Retry-After of 10 s: " + pause);
        assertEquals(paused.truncatedTo(ChronoUnit.MILLIS), call.nextAttemptAt.truncatedTo(ChronoUnit.MILLIS));
        assertEquals(List.of("sent", "send_failed", "deferred"), fixtures.eventTypes(throttled));

        dispatchAll(dispatcher);
        assertEquals(1, posts().size(), "nothing is sent while the pause lasts, for any call");
    }

    @Test
    void fourHundredAndTwentyNinesNeverUseUpTheAttempts() {
        // Retry-After: 0, so the test need not wait; max-attempts is 3 in this profile.
        callApi.stubFor(post("/api/call").inScenario("slow down").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0")).willSetStateTo("1"));
        for (int i = 1; i < 5; i++) {
            callApi.stubFor(post("/api/call").inScenario("slow down").whenScenarioStateIs(String.valueOf(i))
                    .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "0"))
                    .willSetStateTo(String.valueOf(i + 1)));
        }
        callApi.stubFor(post("/api/call").inScenario("slow down").whenScenarioStateIs("5")
                .willReturn(okJson(status("p-5", "initiated"))));
        long id = dueCall(PHONE);
        CallDispatcher dispatcher = dispatcher(Pacing.none());

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            dispatchAll(dispatcher);
            return fixtures.find(id).status != CallStatus.PENDING;
        });

        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.IN_PROGRESS, call.status);
        assertEquals(6, call.attempts);
        assertEquals(6, posts().size());
        assertTrue(config.maxAttempts() < 6);
    }

    // ---- helpers

    private CallDispatcher dispatcher(Pacing pacing) {
        return dispatcher(pacing, config.maxInFlight());
    }

    private CallDispatcher dispatcher(Pacing pacing, int maxInFlight) {
        DispatchConfig settings = new DispatchConfig() {
            public boolean enabled() { return true; }
            public java.util.Optional<String> instanceId() { return config.instanceId(); }
            public Duration sweepInterval() { return config.sweepInterval(); }
            public int batchSize() { return config.batchSize(); }
            public int maxInFlight() { return maxInFlight; }
            public Duration lease() { return config.lease(); }
            public int maxAttempts() { return config.maxAttempts(); }
            public Takeover takeover() { return config.takeover(); }
            public Duration shutdownGrace() { return config.shutdownGrace(); }
        };
        return dispatchJob.newDispatcher("rules", settings, pacing);
    }

    private long dueCall(String phone) {
        return fixtures.insertPending(1, phone, Instant.now().minusMillis(10)).get(0);
    }

    private void acceptCalls() {
        callApi.stubFor(post("/api/call").willReturn(okJson(status("provider-1", "initiated")).withStatus(201)));
    }

    private List<LoggedRequest> posts() {
        return callApi.findAll(postRequestedFor(urlEqualTo("/api/call")));
    }

    private static int dispatchAll(CallDispatcher dispatcher) {
        int claimed = dispatcher.dispatchDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.unrecorded() == 0);
        return claimed;
    }

    private static String status(String callId, String status) {
        return "{\"call_id\": \"" + callId + "\", \"status\": \"" + status + "\"}";
    }

    private static String hhmm(LocalTime time) {
        return String.format("%02d:%02d", time.getHour(), time.getMinute());
    }
}
