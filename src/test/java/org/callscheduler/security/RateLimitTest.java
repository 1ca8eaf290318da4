package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

/** A client past its scheduling burst gets 429 with Retry-After; reading is never limited. */
@QuarkusTest
@TestProfile(RateLimitTest.SmallLimit.class)
class RateLimitTest {

    public static class SmallLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("call-scheduler.security.rate-limit.burst", "3",
                    "call-scheduler.security.rate-limit.per-second", "0.1",
                    "call-scheduler.dispatch.enabled", "false");
        }
    }

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void schedulingPastTheBurstIsAnswered429WithRetryAfter() {
        for (int i = 0; i < 3; i++) {
            schedule().then().statusCode(201);
        }
        Response refused = schedule();
        refused.then()
                .statusCode(429)
                .contentType(ContentType.JSON)
                .body("error", containsString("Too many requests"));
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 10, "Retry-After " + retryAfter + " s at 0.1 request/s");
        assertEquals(3, fixtures.count(CallStatus.PENDING), "the refused call is not stored");

        given().contentType(ContentType.JSON).body("{\"phone_number\":\"+14155550123\"}")
                .post("/api/call-now").then().statusCode(429);
        for (int i = 0; i < 10; i++) {
            given().get("/api/calls").then().statusCode(200);
        }
    }

    private static Response schedule() {
        return given().contentType(ContentType.JSON)
                .body("{\"phone_number\":\"+14155550123\",\"scheduled_time\":\"2031-01-01T10:00:00Z\"}")
                .post("/api/schedule");
    }
}
