package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.callscheduler.support.NoJobsProfile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Counts go only up to the count cap (3 here, 10,000 by default), so that they stay quick with millions of calls:
 * past it X-Total-Count, the page and the readiness data read "3+" (and the list's pages past the cap are still
 * served); under it a count is exact.
 */
@QuarkusTest
@TestProfile(CountCapTest.SmallCap.class)
class CountCapTest {

    public static class SmallCap extends NoJobsProfile {
        public SmallCap() {
            super(Map.of("call-scheduler.calls.count-cap", "3"));
        }
    }

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void fiveCalls() {
        fixtures.deleteAll();
        fixtures.insertPending(5, "+14155230150", Instant.now().plusSeconds(3600));
    }

    @Test
    void theApiSaysTheCountIsPastTheCapAndStillServesEveryPage() {
        given().get("/api/calls?size=2").then().statusCode(200).header("X-Total-Count", "3+").body("$", hasSize(2));
        given().get("/api/calls?size=2&page=2").then().statusCode(200).header("X-Total-Count", "3+").body("$", hasSize(1));
        given().get("/api/calls?status=completed").then().statusCode(200).header("X-Total-Count", "0");
        given().queryParam("phone_number", "+14155230001").get("/api/calls").then().statusCode(200).header("X-Total-Count", "1");
    }

    @Test
    void thePageShowsTheCappedCounts() {
        given().get("/calls-table").then().statusCode(200)
                .body(containsString("All <span class=\"count\">3+</span>"))
                .body(containsString("Pending <span class=\"count\">3+</span>"))
                .body(containsString("Completed <span class=\"count\">0</span>"));
    }

    @Test
    void readinessCountsPastTheCapReadAsTheCapAndAPlus() {
        fixtures.insertInProgress("sid-cap-1", Instant.now());
        fixtures.insertInProgress("sid-cap-2", Instant.now());
        fixtures.insertInProgress("sid-cap-3", Instant.now());

        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'calls' }.data.pending", equalTo("3+"))
                .body("checks.find { it.name == 'calls' }.data.in_progress", equalTo(3));
    }
}
