package org.callscheduler.call;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * Readiness counts calls only up to the count cap (3 here, 10,000 by default): past it the count reads "3+", so a
 * probe stays quick with millions of calls stored; under it the count is exact, a number.
 */
@QuarkusTest
@TestProfile(CountCapHealthTest.SmallCap.class)
class CountCapHealthTest {

    public static class SmallCap implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("call-scheduler.dispatch.enabled", "false", "call-scheduler.poll.enabled", "false",
                    "call-scheduler.calls.count-cap", "3");
        }
    }

    @Inject
    CallFixtures fixtures;

    @Test
    void countsPastTheCapReadAsTheCapAndAPlus() {
        fixtures.deleteAll();
        fixtures.insertPending(4, "+14155550140", Instant.now().plusSeconds(3600));
        fixtures.insertInProgress("sid-cap-1", Instant.now());
        fixtures.insertInProgress("sid-cap-2", Instant.now());
        fixtures.insertInProgress("sid-cap-3", Instant.now());

        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'calls' }.data.pending", equalTo("3+"))
                .body("checks.find { it.name == 'calls' }.data.in_progress", equalTo(3));
    }
}
