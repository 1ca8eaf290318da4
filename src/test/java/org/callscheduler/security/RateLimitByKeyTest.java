package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.callscheduler.call.CallStatus;
import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** With API keys, the rate limit's client is the key that was checked: in X-API-Key or as the page's password. */
@QuarkusTest
@TestProfile(RateLimitByKeyTest.KeysAndSmallLimit.class)
class RateLimitByKeyTest {

    public static class KeysAndSmallLimit implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("call-scheduler.security.api-keys", "key-one,key-two",
                    "call-scheduler.security.rate-limit.burst", "2",
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
    void eachKeyHasItsOwnLimit() {
        scheduleWith("key-one").then().statusCode(201);
        scheduleWith("key-one").then().statusCode(201);
        scheduleWith("key-one").then().statusCode(429);
        scheduleWith("key-two").then().statusCode(201);
    }

    @Test
    void thePagesPasswordIsTheClientNotAnUncheckedHeader() {
        scheduleWith("key-one").then().statusCode(201);
        scheduleWith("key-one").then().statusCode(201);

        // Signed in with key-one, and a made-up X-API-Key on each post: still key-one's spent limit.
        String token = given().auth().preemptive().basic("operator", "key-one").get("/").then()
                .statusCode(200).extract().cookie("csrf-token");
        for (int i = 0; i < 3; i++) {
            given().auth().preemptive().basic("operator", "key-one")
                    .header("X-API-Key", UUID.randomUUID().toString())
                    .cookie("csrf-token", token).header("X-CSRF-TOKEN", token)
                    .contentType(ContentType.URLENC)
                    .formParam("phone_number", "+14155550123").formParam("scheduled_at", "2031-01-01T10:00")
                    .formParam("tz", "UTC").formParam("action", "schedule")
                    .post("/calls").then()
                    .statusCode(429);
        }
        assertEquals(2, fixtures.count(CallStatus.PENDING));

        given().auth().preemptive().basic("operator", "key-two")
                .cookie("csrf-token", token).header("X-CSRF-TOKEN", token)
                .contentType(ContentType.URLENC)
                .formParam("phone_number", "+14155550123").formParam("scheduled_at", "2031-01-01T10:00")
                .formParam("tz", "UTC").formParam("action", "schedule")
                .post("/calls").then()
                .statusCode(200);
        assertEquals(3, fixtures.count(CallStatus.PENDING));
    }

    private static io.restassured.response.Response scheduleWith(String key) {
        return given().header("X-API-Key", key).contentType(ContentType.JSON)
                .body("{\"phone_number\":\"+14155550123\",\"scheduled_time\":\"2031-01-01T10:00:00Z\"}")
                .post("/api/schedule");
    }
}
