package org.callscheduler.dispatch;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Dialling a call moves the numbers at /q/metrics. */
@QuarkusTest
class MetricsTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void diallingACallMovesTheDispatchAndCallApiMetrics() {
        double lagBefore = metric("callscheduler_dispatch_lag_seconds_count");
        double dialsBefore = metric("callscheduler_callapi_requests_seconds_count", "operation=\"dial\"", "outcome=\"accepted\"");

        given().contentType(ContentType.JSON).body("{\"phone_number\": \"+14155550166\"}").post("/api/call-now")
                .then().statusCode(201);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertTrue(metric("callscheduler_dispatch_lag_seconds_count") >= lagBefore + 1, "dispatch lag recorded");
            assertTrue(metric("callscheduler_callapi_requests_seconds_count", "operation=\"dial\"", "outcome=\"accepted\"")
                    >= dialsBefore + 1, "Call API request recorded");
            assertTrue(metric("callscheduler_calls", "status=\"in-progress\"")
                    + metric("callscheduler_calls", "status=\"completed\"") >= 1, "calls by status");
        });
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(text.contains("callscheduler_dispatch_lag_seconds_bucket"), "lag is a histogram");
        assertTrue(text.contains("callscheduler_dispatch_retries_total"), "retries are counted");
    }

    @Test
    void callsWaitingForTheirWindowAreCountedByReason() {
        // Tuesday 22:30 in Chicago next week; the window opens at 09:00 the next morning.
        java.time.ZonedDateTime night = java.time.ZonedDateTime.now(java.time.ZoneId.of("America/Chicago")).plusWeeks(1)
                .with(java.time.temporal.TemporalAdjusters.previousOrSame(java.time.DayOfWeek.TUESDAY))
                .with(java.time.LocalTime.of(22, 30));
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body("{\"phone_number\": \"+1312555014" + i + "\", \"scheduled_time\": \""
                    + night.toInstant() + "\", \"calling_window\": {\"start\": \"09:00\", \"end\": \"17:00\"}}")
                    .post("/api/schedule").then().statusCode(201);
        }
        // Read from the database by a job, every second in tests.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertTrue(metric("callscheduler_calls_waiting", "reason=\"window\"") == 3,
                        "3 calls waiting for their window: " + metric("callscheduler_calls_waiting", "reason=\"window\"")));
        assertTrue(metric("callscheduler_calls_waiting", "reason=\"pacing\"") == 0);
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(text.contains("callscheduler_callapi_throttled_total"), "429s are counted");
    }

    /** The sum of the samples of {@code name} whose labels contain every one of {@code labels}. */
    private static double metric(String name, String... labels) {
        return given().get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                .filter(line -> Arrays.stream(labels).allMatch(line::contains))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }
}
