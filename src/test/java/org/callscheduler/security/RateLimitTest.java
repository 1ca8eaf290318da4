package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;
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

    @Inject
    RateLimitFilter rateLimit;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
        rateLimit.forgetClients();
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

    @Test
    void everySpellingThatRoutesToSchedulingCountsTowardTheLimit() {
        String[] spellings = {"/api/schedule/", "/api/schedule;x=1", "//api/schedule", "/api/sch%65dule",
                "/api;v=2/schedule", "/api/./schedule", "/api/call-now/"};
        for (int i = 0; i < spellings.length; i++) {
            int status = given().urlEncodingEnabled(false).contentType(ContentType.JSON)
                    .body("{\"phone_number\":\"+14155550123\",\"scheduled_time\":\"2031-01-01T10:00:00Z\"}")
                    .post(spellings[i]).statusCode();
            assertEquals(i < 3 ? 201 : 429, status, spellings[i]);
        }
        assertEquals(3, fixtures.count(CallStatus.PENDING) + fixtures.count(CallStatus.IN_PROGRESS));
    }

    @Test
    void thePageFormSharesTheClientsLimitInEverySpelling() {
        for (int i = 0; i < 3; i++) {
            schedule().then().statusCode(201);
        }
        String token = given().get("/").then().statusCode(200).extract().cookie("csrf-token");
        for (String path : new String[] {"/calls", "/calls/", "/calls;x=1", "//calls"}) {
            given().urlEncodingEnabled(false).cookie("csrf-token", token).header("X-CSRF-TOKEN", token)
                    .contentType(ContentType.URLENC)
                    .body("phone_number=%2B14155550123&scheduled_at=2031-01-01T10:00&tz=UTC&action=schedule")
                    .post(path).then()
                    .statusCode(429)
                    .header("Retry-After", notNullValue());
        }
        assertEquals(3, fixtures.count(CallStatus.PENDING));
    }

    private static Response schedule() {
        return given().contentType(ContentType.JSON)
                .body("{\"phone_number\":\"+14155550123\",\"scheduled_time\":\"2031-01-01T10:00:00Z\"}")
                .post("/api/schedule");
    }
}
