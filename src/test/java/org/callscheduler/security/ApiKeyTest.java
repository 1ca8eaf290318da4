package org.callscheduler.security;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** With API keys configured: the API needs a key, the page needs basic auth, probes stay open. */
@QuarkusTest
@TestProfile(ApiKeyTest.WithKeys.class)
class ApiKeyTest {

    public static class WithKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("call-scheduler.security.api-keys", "first-test-key,second-test-key");
        }
    }

    @Test
    void theApiRefusesARequestWithoutAKey() {
        given().get("/api/calls").then()
                .statusCode(401)
                .contentType(ContentType.JSON)
                .body("error", containsString("X-API-Key"));
    }

    @Test
    void theApiRefusesAnUnknownKey() {
        given().header("X-API-Key", "first-test-kez").get("/api/calls").then().statusCode(401);
    }

    @Test
    void theApiRefusesToScheduleWithoutAKeyBeforeReadingTheBody() {
        given().contentType(ContentType.JSON).body("{\"phone_number\":\"+14155550123\"}")
                .post("/api/call-now").then()
                .statusCode(401);
    }

    @Test
    void theApiAnswersWithAnyConfiguredKey() {
        given().header("X-API-Key", "first-test-key").get("/api/calls").then().statusCode(200);
        given().header("X-API-Key", "second-test-key").get("/api/calls").then().statusCode(200);
    }

    @Test
    void thePageAsksForBasicAuth() {
        given().get("/").then()
                .statusCode(401)
                .header("WWW-Authenticate", containsString("Basic realm=\"Call Scheduler\""));
        given().get("/calls-table").then().statusCode(401);
    }

    @Test
    void thePageOpensWithAKeyAsThePassword() {
        given().auth().preemptive().basic("operator", "second-test-key").get("/").then()
                .statusCode(200)
                .body(containsString("schedule-form"));
        given().auth().preemptive().basic("operator", "wrong").get("/").then().statusCode(401);
    }

    @Test
    void theSimulatorsRequestLogNeedsAKeyInEverySpelling() {
        for (String path : new String[] {"/simulator/requests", "//simulator/requests", "/simulator/requests/",
                "/simulator;x=1/requests", "/simulator/api/../requests", "/simulator/api/call/../../requests"}) {
            given().urlEncodingEnabled(false).get(path).then().statusCode(401).contentType(ContentType.JSON);
        }
        given().delete("/simulator/requests").then().statusCode(401);
        given().auth().preemptive().basic("operator", "first-test-key").get("/simulator/requests").then().statusCode(401);
        given().header("X-API-Key", "first-test-key").get("/simulator/requests").then().statusCode(200);
        given().header("X-API-Key", "first-test-key").delete("/simulator/requests").then().statusCode(204);
    }

    @Test
    void theSimulatedCallApiStaysOpenForThisApplicationsOwnClient() {
        String callId = given().contentType(ContentType.JSON).body("{\"phone_number\":\"+14155550123\"}")
                .post("/simulator/api/call").then()
                .statusCode(200)
                .extract().path("call_id");
        given().get("/simulator/api/call/" + callId).then().statusCode(200);
    }

    @Test
    void healthStaysOpenForProbes() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200);
    }
}
