package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;

import org.callscheduler.call.CallStatus;
import org.callscheduler.call.ScheduledCall;
import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.WireMockCallApi;
import org.callscheduler.support.WireMockProfile;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The dial promise of CONTRACT part 2, rule by rule, against a WireMock Call API that ignores
 * Idempotency-Key (as providers may): every POST counts as a ring, and the tests count them per
 * phone number. The background jobs are off; each test runs its dispatchers itself.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class DialPromiseTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    CallFixtures fixtures;

    @Inject
    DispatchJob dispatchJob;

    @Inject
    DispatchStore store;

    @Inject
    DispatchConfig config;

    @Inject
    PacingConfig pacing;

    @Inject
    EntityManager entityManager;

    @ConfigProperty(name = "quarkus.datasource.db-kind")
    String dbKind;

    WireMockServer callApi = WireMockCallApi.server();

    private final List<CallDispatcher> started = new ArrayList<>();
    private final List<String> constraints = new ArrayList<>();

    @BeforeEach
    void clean() {
        WireMockCallApi.reset();
        fixtures.deleteAll();
        callApi.stubFor(post("/api/call").willReturn(okJson(answer("sid-ok", "initiated")).withStatus(201)));
    }

    @AfterEach
    void stopAndHeal() {
        List.copyOf(constraints).forEach(this::dropConstraint);
        started.forEach(CallDispatcher::stop);
    }

    @Test
    void anAnswerThatCannotBeStoredFailsThatCallAloneAndNobodyIsDialledTwice() {
        List<String> numbers = numbers(6);
        answerFor(numbers.get(0), answer("x".repeat(200), "initiated"));
        answerFor(numbers.get(1), "{\"call_id\": \"ab\\u0007cd\", \"status\": \"initiated\"}");
        answerFor(numbers.get(2), answer("sid-queued", "queued"));
        Map<String, Long> ids = dueCalls(numbers);
        CallDispatcher dispatcher = dispatchJob.newDispatcher("odd-answers", shortLease(Duration.ofSeconds(1)));

        dispatchAll(dispatcher);
        // Well past the lease: nothing is taken over, nothing is sent again.
        Instant until = Instant.now().plusMillis(1500);
        while (Instant.now().isBefore(until)) {
            dispatchAll(dispatcher);
        }

        assertEquals(numbers.stream().collect(Collectors.toMap(n -> n, n -> 1L)), postsPerNumber());
        assertFailedWith(ids.get(numbers.get(0)), "call_id of 200 characters");
        assertFailedWith(ids.get(numbers.get(1)), "printable");
        assertFailedWith(ids.get(numbers.get(2)), "unknown status \"queued\"");
        for (String number : numbers.subList(3, 6)) {
            ScheduledCall call = fixtures.find(ids.get(number));
            assertEquals(CallStatus.IN_PROGRESS, call.status);
            assertEquals("sid-ok", call.callApiId);
        }
        assertEquals(List.of("sent", "send_failed", "failed"), fixtures.eventTypes(ids.get(numbers.get(0))));
    }

    @Test
    void aSlowAnswerOutlastingTheLeaseIsNeverSentTwice() {
        // Answers 1 s after the POST, 1 s before the 2 s read timeout, while leases last 0.8 s.
        callApi.stubFor(post("/api/call").willReturn(okJson(answer("sid-slow", "initiated")).withFixedDelay(1000)));
        List<String> numbers = numbers(5);
        Map<String, Long> ids = dueCalls(numbers);
        DispatchConfig shortLease = shortLease(Duration.ofMillis(800));
        CallDispatcher sender = start(dispatchJob.newDispatcher("slow-sender", shortLease));
        CallDispatcher rival = dispatchJob.newDispatcher("rival", shortLease);

        assertEquals(5, sender.dispatchDue());
        // The rival looks for due calls all the while; the sender's renewals keep its leases alive.
        while (sender.unrecorded() > 0) {
            rival.dispatchDue();
        }

        assertEquals(numbers.stream().collect(Collectors.toMap(n -> n, n -> 1L)), postsPerNumber());
        ids.values().forEach(id -> assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status));
    }

    @Test
    void aDatabaseThatRefusesWritesNeverCausesASecondPostAndLosesNothing() {
        List<String> numbers = numbers(20);
        Map<String, Long> ids = dueCalls(numbers);
        DispatchConfig shortLease = shortLease(Duration.ofSeconds(2));
        CallDispatcher sender = start(dispatchJob.newDispatcher("db-trouble", shortLease));
        CallDispatcher rival = dispatchJob.newDispatcher("db-rival", shortLease);
        // Every write of an accepted dial fails (its event cannot be inserted), so does failing the call instead.
        addConstraint("call_events", "no_accepted_events", "type <> 'accepted' AND type <> 'failed'");

        assertEquals(20, sender.dispatchDue());
        await().atMost(Duration.ofSeconds(10)).until(() -> posts().size() == 20);
        Instant until = Instant.now().plusSeconds(3);
        while (Instant.now().isBefore(until)) {
            rival.dispatchDue();
            assertEquals(20, posts().size(), "a POST while the database refused writes");
        }
        assertEquals(20, sender.unrecorded(), "the results wait for the database");
        ids.values().forEach(id -> assertEquals(CallStatus.PENDING, fixtures.find(id).status));

        dropConstraint("no_accepted_events");
        await().atMost(Duration.ofSeconds(15)).until(() -> sender.unrecorded() == 0);

        assertEquals(numbers.stream().collect(Collectors.toMap(n -> n, n -> 1L)), postsPerNumber());
        ids.values().forEach(id -> {
            assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status);
            assertEquals(List.of("sent", "accepted"), fixtures.eventTypes(id));
        });
    }

    @Test
    void callsWhoseSentMarkFailedAreGivenBackUnsentAndDialledOnceLater() {
        List<String> numbers = numbers(4);
        Map<String, Long> ids = dueCalls(numbers);
        CallDispatcher dispatcher = dispatchJob.newDispatcher("mark-fails");
        addConstraint("call_events", "no_sent_events", "type <> 'sent'");

        assertThrows(IllegalStateException.class, dispatcher::dispatchDue);
        assertEquals(0, posts().size(), "nothing is POSTed before it is marked sent");
        await().atMost(Duration.ofSeconds(5)).until(() -> ids.values().stream()
                .allMatch(id -> fixtures.find(id).claimedBy == null));
        ids.values().forEach(id -> assertEquals(0, fixtures.find(id).attempts));

        dropConstraint("no_sent_events");
        dispatchAll(dispatcher);
        assertEquals(numbers.stream().collect(Collectors.toMap(n -> n, n -> 1L)), postsPerNumber());
        ids.values().forEach(id -> assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status));
    }

    @Test
    void aResultThatCannotBeWrittenIsFoundBySplittingTheBatchAndFailsItsCallAlone() {
        List<String> numbers = numbers(10);
        Map<String, Long> ids = dueCalls(numbers);
        long bad = ids.get(numbers.get(4));
        addConstraint("scheduled_calls", "one_bad_row", "id <> " + bad + " OR status <> 'in-progress'");
        CallDispatcher dispatcher = dispatchJob.newDispatcher("splitter");

        dispatchAll(dispatcher);

        assertEquals(numbers.stream().collect(Collectors.toMap(n -> n, n -> 1L)), postsPerNumber());
        assertFailedWith(bad, "could not be stored");
        ids.values().stream().filter(id -> id != bad)
                .forEach(id -> assertEquals(CallStatus.IN_PROGRESS, fixtures.find(id).status));
    }

    @Test
    void theResultOfAnEarlierClaimCannotTouchTheClaimAfterIt() {
        long id = dueCalls(numbers(1)).values().iterator().next();
        Instant now = DispatchStore.now();
        ClaimedCall first = store.claim("first/1", 1, now, now.plusMillis(1), true, DispatchStore.InDoubt.REDIAL, 5,
                pacing).calls().get(0);
        store.markSent(first.token(), now);
        await().atMost(Duration.ofSeconds(2)).until(() -> fixtures.find(id).leaseUntil.isBefore(Instant.now()));
        Instant later = DispatchStore.now();
        ClaimedCall second = store.claim("second/2", 1, later, later.plusSeconds(30), true,
                DispatchStore.InDoubt.REDIAL, 5, pacing).calls().get(0);
        assertTrue(second.inDoubt());

        List<DialResult> lost = store.recordResults(List.of(new DialResult.Accepted(first, "late-answer",
                org.callscheduler.provider.CallProgress.INITIATED)), DispatchStore.now());

        assertEquals(1, lost.size(), "the late result of the first claim is not written");
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.PENDING, call.status);
        assertEquals("second/2", call.claimedBy);
        assertEquals(second.token(), call.claimToken);
        RestAssured.given().delete("/api/calls/" + id).then().statusCode(409);
    }

    @Test
    void twoInstancesCannotRunWithTheSameId() {
        start(dispatchJob.newDispatcher("twin"));

        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> dispatchJob.newDispatcher("twin").start());

        assertThat(refused.getMessage(), containsString("in use by a live instance"));
        started.remove(0).stop();
        start(dispatchJob.newDispatcher("twin"));
    }

    @Test
    void aLeaseTooShortForTheTimeoutsIsRefused() {
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> CallDispatcher.checkLease(Duration.ofSeconds(10), Duration.ofMillis(10_300)));
        assertThat(refused.getMessage(), containsString("at least twice"));
        CallDispatcher.checkLease(Duration.ofSeconds(30), Duration.ofMillis(10_300));
    }

    @Test
    void aPendingCallWhoseEarlierAttemptMayHaveRungCannotBeDeletedAsNeverDialled() {
        callApi.stubFor(post("/api/call").willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse()
                .withStatus(503)));
        long id = dueCalls(numbers(1)).values().iterator().next();
        dispatchAll(dispatchJob.newDispatcher("unsure"));
        assertEquals(CallStatus.PENDING, fixtures.find(id).status);

        RestAssured.given().delete("/api/calls/" + id).then()
                .statusCode(409)
                .body("error", containsString("may have reached the Call API"));
        assertEquals(CallStatus.PENDING, fixtures.find(id).status);
    }

    // ---- helpers

    private CallDispatcher start(CallDispatcher dispatcher) {
        dispatcher.start();
        started.add(dispatcher);
        return dispatcher;
    }

    private static List<String> numbers(int count) {
        List<String> numbers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            numbers.add(String.format("+1415555%04d", 100 + i));
        }
        return numbers;
    }

    private Map<String, Long> dueCalls(List<String> numbers) {
        Map<String, Long> ids = new java.util.LinkedHashMap<>();
        for (String number : numbers) {
            ids.put(number, fixtures.insertPending(1, number, Instant.now().minusMillis(10)).get(0));
        }
        return ids;
    }

    private void answerFor(String number, String body) {
        callApi.stubFor(post("/api/call").withRequestBody(matchingJsonPath("$.phone_number", equalTo(number)))
                .atPriority(1).willReturn(okJson(body).withStatus(201)));
    }

    private static com.github.tomakehurst.wiremock.matching.StringValuePattern equalTo(String value) {
        return com.github.tomakehurst.wiremock.client.WireMock.equalTo(value);
    }

    private List<com.github.tomakehurst.wiremock.verification.LoggedRequest> posts() {
        return callApi.findAll(postRequestedFor(urlEqualTo("/api/call")));
    }

    /** POSTs the Call API received, per phone number: each one may have rung a person. */
    private Map<String, Long> postsPerNumber() {
        return posts().stream().collect(Collectors.groupingBy(r -> {
            try {
                return JSON.readTree(r.getBodyAsString()).get("phone_number").asText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, Collectors.counting()));
    }

    private void assertFailedWith(long id, String text) {
        ScheduledCall call = fixtures.find(id);
        assertEquals(CallStatus.FAILED, call.status, "call " + id);
        assertThat(call.errorMessage, containsString(text));
    }

    private static String answer(String callId, String status) {
        return "{\"call_id\": \"" + callId + "\", \"status\": \"" + status + "\"}";
    }

    private static int dispatchAll(CallDispatcher dispatcher) {
        int claimed = dispatcher.dispatchDue();
        await().atMost(Duration.ofSeconds(10)).until(() -> dispatcher.unrecorded() == 0);
        return claimed;
    }

    /** A constraint no existing row is checked against, so that later writes of one kind fail for real. */
    private void addConstraint(String table, String name, String check) {
        boolean postgresql = dbKind.startsWith("postgres");
        execute("ALTER TABLE " + table + " ADD CONSTRAINT " + name + " CHECK (" + check + ")"
                + (postgresql ? " NOT VALID" : " NOCHECK"));
        constraints.add(table + "|" + name);
    }

    private void dropConstraint(String name) {
        String entry = constraints.stream().filter(c -> c.equals(name) || c.endsWith("|" + name)).findFirst()
                .orElseThrow();
        constraints.remove(entry);
        execute("ALTER TABLE " + entry.substring(0, entry.indexOf('|')) + " DROP CONSTRAINT "
                + entry.substring(entry.indexOf('|') + 1));
    }

    private void execute(String sql) {
        QuarkusTransaction.requiringNew().run(() -> entityManager.createNativeQuery(sql).executeUpdate());
    }

    private DispatchConfig shortLease(Duration lease) {
        return new DispatchConfig() {
            public boolean enabled() { return true; }
            public Optional<String> instanceId() { return config.instanceId(); }
            public Duration sweepInterval() { return config.sweepInterval(); }
            public int batchSize() { return config.batchSize(); }
            public int maxInFlight() { return config.maxInFlight(); }
            public Duration lease() { return lease; }
            public int maxAttempts() { return config.maxAttempts(); }
            public Takeover takeover() { return Takeover.REDIAL; }
            public Duration shutdownGrace() { return Duration.ofSeconds(2); }
        };
    }
}
