package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** Idempotency-Key on the POSTs that create calls (CONTRACT part 2): a client retrying never creates a second call. */
@QuarkusTest
class IdempotencyKeyTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void theSameKeyAndBodyGetTheFirstAnswerAgainAndCreateNothing() {
        String body = scheduleBody("+14155550150");
        Response first = post("/api/schedule", "retry-1", body);
        Response second = post("/api/schedule", "retry-1", body);

        assertEquals(201, first.statusCode());
        assertNull(first.header("Idempotent-Replayed"));
        assertEquals(201, second.statusCode());
        assertEquals("true", second.header("Idempotent-Replayed"));
        assertEquals(first.header("Location"), second.header("Location"));
        assertEquals(first.jsonPath().getLong("id"), second.jsonPath().getLong("id"));
        assertEquals(first.jsonPath().getString("phone_number"), second.jsonPath().getString("phone_number"));
        assertEquals(1, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void theSameKeyWithAnotherBodyIs422() {
        assertEquals(201, post("/api/schedule", "k-2", scheduleBody("+14155550151")).statusCode());
        Response other = post("/api/schedule", "k-2", scheduleBody("+14155550152"));
        assertEquals(422, other.statusCode());
        other.then().contentType(ContentType.JSON).body("error", org.hamcrest.Matchers.containsString("another"));
        assertEquals(1, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void keysAreKeptPerOperationAndCallNowIsIdempotentToo() {
        String body = "{\"phone_number\": \"+14155550153\"}";
        Response first = post("/api/call-now", "now-1", body);
        Response again = post("/api/call-now", "now-1", body);
        assertEquals(201, first.statusCode());
        assertEquals(first.jsonPath().getLong("id"), again.jsonPath().getLong("id"));
        assertEquals("true", again.header("Idempotent-Replayed"));
        // The same key on another operation is another request body: 422, nothing created.
        assertEquals(422, post("/api/schedule", "now-1", scheduleBody("+14155550153")).statusCode());
    }

    @Test
    void manyIdenticalRequestsAtOnceCreateOneCall() throws Exception {
        String body = scheduleBody("+14155550154");
        int clients = 16;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            answers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return post("/api/schedule", "burst-1", body);
            }, pool));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        List<Long> ids = new ArrayList<>();
        for (CompletableFuture<Response> answer : answers) {
            Response response = answer.get();
            statuses.add(response.statusCode());
            if (response.statusCode() == 201) {
                ids.add(response.jsonPath().getLong("id"));
            }
        }
        pool.shutdown();

        assertTrue(statuses.stream().allMatch(s -> s == 201 || s == 409), "201 or 409 only: " + statuses);
        assertTrue(ids.stream().distinct().count() == 1, "one call: " + ids);
        assertEquals(1, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void aFailedRequestFreesItsKey() {
        assertEquals(400, post("/api/schedule", "fix-1", scheduleBody("not a number")).statusCode());
        Response fixed = post("/api/schedule", "fix-1", scheduleBody("+14155550155"));
        assertEquals(201, fixed.statusCode());
        assertNull(fixed.header("Idempotent-Replayed"));
    }

    @Test
    void aBadKeyIs400NamingIt() {
        given().contentType(ContentType.JSON).header("Idempotency-Key", "x".repeat(256)).body(scheduleBody("+14155550156"))
                .post("/api/schedule").then().statusCode(400)
                .body("violations.field", hasItem("Idempotency-Key"));
        given().contentType(ContentType.JSON).header("Idempotency-Key", "caf\u00e9").body(scheduleBody("+14155550156"))
                .post("/api/schedule").then().statusCode(400)
                .body("violations.field", hasItem("Idempotency-Key"));
        assertEquals(0, fixtures.count(CallStatus.PENDING));
    }

    @Test
    void withoutAKeyEveryRequestCreatesACall() {
        String body = scheduleBody("+14155550157");
        given().contentType(ContentType.JSON).body(body).post("/api/schedule").then().statusCode(201)
                .header("Idempotent-Replayed", (String) null);
        given().contentType(ContentType.JSON).body(body).post("/api/schedule").then().statusCode(201)
                .body("phone_number", equalTo("+14155550157"));
        assertEquals(2, fixtures.count(CallStatus.PENDING));
    }

    private static Response post(String path, String key, String body) {
        return given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(body).post(path);
    }

    private static String scheduleBody(String phone) {
        return "{\"phone_number\": \"" + phone + "\", \"scheduled_time\": \"" + DUE + "\"}";
    }

    private static final Instant DUE = Instant.now().plus(Duration.ofDays(2));
}
