package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** The configured defaults of the calling rules apply to a call that gives none, and a call's own values win. */
@QuarkusTest
@TestProfile(CallingRulesDefaultsTest.Defaults.class)
class CallingRulesDefaultsTest {

    public static class Defaults extends NoJobsProfile {
        public Defaults() {
            super(Map.of(
                    "call-scheduler.calls.calling-window", "00:00-23:59 MON-SUN",
                    "call-scheduler.calls.max-lateness", "2h",
                    "call-scheduler.calls.retry.on", "busy,no-answer",
                    "call-scheduler.calls.retry.max-retries", "3",
                    "call-scheduler.calls.retry.delay", "PT15M"));
        }
    }

    @Test
    void aCallWithoutRulesGetsTheConfiguredOnes() {
        Instant due = Instant.now().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
        given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+44 20 7946 0018\", \"scheduled_time\": \"" + due + "\"}")
                .post("/api/schedule").then().statusCode(201)
                .body("calling_window.start", equalTo("00:00"))
                .body("calling_window.end", equalTo("23:59"))
                .body("calling_window.days", contains("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"))
                .body("retry.on", contains("busy", "no-answer"))
                .body("retry.max_retries", equalTo(3))
                .body("retry.delay", equalTo("PT15M"))
                .body("expires_at", equalTo(due.plus(Duration.ofHours(2)).toString()));
    }

    @Test
    void aCallsOwnRulesWin() {
        Instant due = Instant.now().plus(Duration.ofHours(3)).truncatedTo(ChronoUnit.SECONDS);
        given().contentType(ContentType.JSON)
                .body("{\"phone_number\": \"+44 20 7946 0018\", \"scheduled_time\": \"" + due + "\","
                        + " \"calling_window\": {\"start\": \"00:00\", \"end\": \"23:30\", \"days\": [\"SUN\"]},"
                        + " \"retry\": {\"on\": [\"failed\"], \"max_retries\": 1, \"delay\": \"PT1M\"}}")
                .post("/api/schedule").then().statusCode(201)
                .body("calling_window.end", equalTo("23:30"))
                .body("calling_window.days", contains("SUN"))
                .body("retry.on", contains("failed"))
                .body("retry.max_retries", equalTo(1));
    }
}
