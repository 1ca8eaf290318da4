package org.callscheduler.dispatch;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.logging.Log;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * Dispatch and status polling against the built-in simulator, a real HTTP server in this process,
 * with the background jobs running as in production.
 */
@QuarkusTest
class DispatchTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
        given().delete("/simulator/requests").then().statusCode(204);
    }

    @Test
    void callNowReachesTheCallApiWithinOneSecond() {
        int id = given().contentType(ContentType.JSON).body("{\"phone_number\": \"+14155550111\"}")
                .post("/api/call-now").then().statusCode(201).extract().path("id");
        Instant created = Instant.parse(given().get("/api/calls/" + id).jsonPath().getString("created_at"));

        Map<String, Object> request = awaitRequest(keyOf(id));

        Duration lag = Duration.between(created, Instant.parse((String) request.get("received_at")));
        Log.infof("call-now reached the Call API %d ms after it was stored", lag.toMillis());
        assertEquals("+14155550111", request.get("phone_number"));
        assertTrue(lag.compareTo(Duration.ofSeconds(1)) < 0, "call-now took " + lag);
    }

    @Test
    void aScheduledCallIsDialledAtItsTimeNotBefore() {
        Instant due = Instant.now().plusMillis(1500);
        int id = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550112\", \"scheduled_time\": \"" + due + "\"}")
                .post("/api/schedule").then().statusCode(201).extract().path("id");

        Map<String, Object> request = awaitRequest(keyOf(id));

        Instant received = Instant.parse((String) request.get("received_at"));
        Duration lag = Duration.between(due, received);
        Log.infof("scheduled call reached the Call API %d ms after its due time", lag.toMillis());
        assertFalse(received.isBefore(due), "dialled " + lag.negated() + " early");
        assertTrue(lag.compareTo(Duration.ofSeconds(1)) < 0, "dialled " + lag + " late");
    }

    @Test
    void aCallIsFollowedUntilItCompletes() {
        int id = given().contentType(ContentType.JSON).body("{\"phone_number\": \"+14155550113\"}")
                .post("/api/call-now").then().statusCode(201).extract().path("id");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> given().get("/api/calls/" + id).then()
                .body("status", equalTo("completed"))
                .body("call_status", equalTo("completed")));
        String callApiId = given().get("/api/calls/" + id).jsonPath().getString("call_api_id");
        assertEquals(awaitRequest(keyOf(id)).get("call_id"), callApiId);
        assertEquals(1, requestsFor(keyOf(id)).size(), "dialled once");
    }

    @Test
    void overdueCallsAreCaughtUpByTheSweep() {
        List<Long> ids = fixtures.insertPending(3, "+14155550114", Instant.now().minus(Duration.ofMinutes(10)));

        await().atMost(Duration.ofSeconds(5)).until(() -> ids.stream()
                .allMatch(id -> fixtures.find(id).status != CallStatus.PENDING));
        ids.forEach(id -> assertEquals(1, requestsFor(keyOf(id)).size()));
    }

    @Test
    void aDeletedCallIsNeverDialled() {
        Instant due = Instant.now().plusMillis(800);
        int deleted = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550115\", \"scheduled_time\": \"" + due + "\"}")
                .post("/api/schedule").then().statusCode(201).extract().path("id");
        int kept = given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+14155550116\", \"scheduled_time\": \"" + due + "\"}")
                .post("/api/schedule").then().statusCode(201).extract().path("id");
        String deletedKey = keyOf(deleted);
        given().delete("/api/calls/" + deleted).then().statusCode(204);

        awaitRequest(keyOf(kept));
        await().atMost(Duration.ofSeconds(5)).until(() -> fixtures.find((long) kept).status != CallStatus.PENDING);
        assertTrue(requestsFor(deletedKey).isEmpty());
    }

    private String keyOf(long id) {
        return fixtures.find(id).idempotencyKey;
    }

    private static Map<String, Object> awaitRequest(String idempotencyKey) {
        return await().atMost(Duration.ofSeconds(5)).until(() -> requestsFor(idempotencyKey), r -> !r.isEmpty()).get(0);
    }

    private static List<Map<String, Object>> requestsFor(String idempotencyKey) {
        List<Map<String, Object>> all = given().get("/simulator/requests").then().statusCode(200)
                .extract().jsonPath().getList("$");
        return all.stream().filter(r -> idempotencyKey.equals(r.get("idempotency_key"))).toList();
    }
}
