package org.callscheduler.dispatch;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import io.restassured.http.ContentType;

/**
 * PATCH racing the dispatcher on the same due calls: either the change is applied and the call is sent with the new
 * number, or 409 and it is sent with the old one; never a change that the dial did not follow, never two POSTs.
 */
@QuarkusTest
@TestProfile(WireMockProfile.class)
class PatchRaceTest {

    private static final long STEP = 50;

    private static final Pattern PHONE = Pattern.compile("\"phone_number\"\\s*:\\s*\"([^\"]+)\"");

    @Inject
    CallFixtures fixtures;

    @Inject
    DispatchJob dispatchJob;

    WireMockServer callApi = WireMockCallApi.server();

    @BeforeEach
    void clean() {
        WireMockCallApi.reset();
        fixtures.deleteAll();
        callApi.stubFor(post("/api/call").willReturn(okJson("{\"call_id\": \"c-race\", \"status\": \"initiated\"}")));
    }

    @Test
    void aChangeRacingTheClaimIsEitherFollowedOr409() throws Exception {
        int count = 120;
        // Due one after another, 50 ms apart; each PATCH is sent from 100 ms before to 50 ms after its call's moment,
        // while a dispatcher claims whatever is due, again and again.
        List<Long> ids = fixtures.insertPending(count, "+14155560000", Instant.now().plus(Duration.ofHours(1)));
        // Warm up the PATCH path, so that the first ones are not late.
        long warm = fixtures.insertPending(1, "+14155569999", Instant.now().plus(Duration.ofHours(1))).get(0);
        for (int i = 0; i < 5; i++) {
            given().contentType(ContentType.JSON).body("{\"reference\": \"warm-" + i + "\"}").patch("/api/calls/" + warm)
                    .then().statusCode(200);
        }
        Instant start = Instant.now().plusSeconds(2);
        fixtures.dueOneAfterAnother(ids, start, Duration.ofMillis(STEP));
        Map<Long, String> keys = new HashMap<>();
        Map<Long, String> oldNumbers = new HashMap<>();
        for (long id : ids) {
            ScheduledCall call = fixtures.find(id);
            keys.put(id, call.idempotencyKey);
            oldNumbers.put(id, call.phoneNumber);
        }
        CallDispatcher dispatcher = dispatchJob.newDispatcher("patch-race");
        Map<Long, Integer> answers = new ConcurrentHashMap<>();
        List<String> refusals = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newScheduledThreadPool(8);
        List<java.util.concurrent.ScheduledFuture<?>> sent = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            long id = ids.get(i);
            long at = Duration.between(Instant.now(), start.plusMillis(STEP * i - 100 + (i % 6) * 30)).toMillis();
            sent.add(timer.schedule(() -> {
                var response = given().contentType(ContentType.JSON)
                        .body("{\"phone_number\": \"" + newNumber(id) + "\"}").patch("/api/calls/" + id);
                if (response.statusCode() != 200 && refusals.size() < 3) {
                    refusals.add(response.asString());
                }
                answers.put(id, response.statusCode());
            },
                    Math.max(0, at), java.util.concurrent.TimeUnit.MILLISECONDS));
        }
        CompletableFuture<Void> dispatching = CompletableFuture.runAsync(() -> {
            while (answers.size() < count || ids.stream().anyMatch(id -> fixtures.find(id).status == CallStatus.PENDING)) {
                dispatcher.dispatchDue();
            }
        });
        for (var future : sent) {
            future.get();
        }
        timer.shutdown();
        dispatching.get(30, java.util.concurrent.TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.unrecorded() == 0);

        Map<String, List<String>> postedNumbersByKey = new HashMap<>();
        for (LoggedRequest request : callApi.findAll(postRequestedFor(urlEqualTo("/api/call")))) {
            Matcher phone = PHONE.matcher(request.getBodyAsString());
            assertTrue(phone.find());
            postedNumbersByKey.computeIfAbsent(request.getHeader("Idempotency-Key"), k -> new java.util.ArrayList<>())
                    .add(phone.group(1));
        }
        int applied = 0;
        for (long id : ids) {
            List<String> posted = postedNumbersByKey.get(keys.get(id));
            // Once, or again only after a failed attempt (a timeout on this loaded machine): the dial promise.
            assertTrue(posted.size() == 1 || fixtures.eventTypes(id).contains("send_failed"),
                    "call " + id + " POSTed " + posted.size() + " times: " + fixtures.eventTypes(id));
            int answer = answers.get(id);
            assertTrue(answer == 200 || answer == 409, "200 or 409: " + answer);
            String expected = answer == 200 ? newNumber(id) : oldNumbers.get(id);
            for (String number : posted) {
                assertEquals(expected, number, "call " + id + " answered " + answer);
            }
            assertEquals(expected, fixtures.find(id).phoneNumber);
            applied += answer == 200 ? 1 : 0;
        }
        System.out.printf("PATCH racing the claim: %d applied, %d refused with 409 (%s)%n", applied, count - applied,
                refusals);
        assertTrue(applied > 0 && applied < count, "the PATCHes fell on both sides of the claims: " + applied);
    }

    private static String newNumber(long id) {
        return String.format("+1212555%04d", id % 10_000);
    }
}
