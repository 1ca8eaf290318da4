package org.callscheduler.dispatch;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.time.Instant;

import jakarta.inject.Inject;

import org.callscheduler.support.CallFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The health endpoints: named checks with data an operator can use. */
@QuarkusTest
class HealthTest {

    @Inject
    CallFixtures fixtures;

    @BeforeEach
    void clean() {
        fixtures.deleteAll();
    }

    @Test
    void livenessAndStartupReportTheRunningDispatcher() {
        for (String probe : new String[] { "/q/health/live", "/q/health/started" }) {
            given().get(probe).then()
                    .statusCode(200)
                    .body("status", equalTo("UP"))
                    .body("checks.find { it.name == 'dispatcher' }.status", equalTo("UP"))
                    .body("checks.find { it.name == 'dispatcher' }.data.instance", not(equalTo("")))
                    .body("checks.find { it.name == 'dispatcher' }.data.last_heartbeat", notNullValue());
        }
    }

    @Test
    void readinessReportsTheBacklogAndTheCallApi() {
        fixtures.insertPending(2, "+14155550123", Instant.now().plusSeconds(3600));
        given().contentType(ContentType.JSON).body("{\"phone_number\": \"+14155550124\"}").post("/api/call-now")
                .then().statusCode(201);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> given().get("/q/health/ready").then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'calls' }.data.pending", equalTo(2))
                .body("checks.find { it.name == 'calls' }.data.oldest_overdue_lag_ms", equalTo(0))
                .body("checks.find { it.name == 'call-api' }.data.url", startsWith("http://127.0.0.1:"))
                .body("checks.find { it.name == 'call-api' }.data.reachable", equalTo(true))
                .body("checks.find { it.name == 'call-api' }.data.last_answer", not(equalTo("none yet"))));
    }
}
